#include <string>

#include "dm/binlog/column_type.h"
#include "dm/binlog/event_type.h"

namespace dm::binlog {

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kUnknown: return "unknown";
    case EventType::kStartV3: return "start_v3";
    case EventType::kQuery: return "query";
    case EventType::kStop: return "stop";
    case EventType::kRotate: return "rotate";
    case EventType::kIntvar: return "intvar";
    case EventType::kLoad: return "load";
    case EventType::kSlave: return "slave";
    case EventType::kCreateFile: return "create_file";
    case EventType::kAppendBlock: return "append_block";
    case EventType::kExecLoad: return "exec_load";
    case EventType::kDeleteFile: return "delete_file";
    case EventType::kNewLoad: return "new_load";
    case EventType::kRand: return "rand";
    case EventType::kUserVar: return "user_var";
    case EventType::kFormatDescription: return "format_description";
    case EventType::kXid: return "xid";
    case EventType::kBeginLoadQuery: return "begin_load_query";
    case EventType::kExecuteLoadQuery: return "execute_load_query";
    case EventType::kTableMap: return "table_map";
    case EventType::kPreGaWriteRows: return "pre_ga_write_rows";
    case EventType::kPreGaUpdateRows: return "pre_ga_update_rows";
    case EventType::kPreGaDeleteRows: return "pre_ga_delete_rows";
    case EventType::kWriteRowsV1: return "write_rows_v1";
    case EventType::kUpdateRowsV1: return "update_rows_v1";
    case EventType::kDeleteRowsV1: return "delete_rows_v1";
    case EventType::kIncident: return "incident";
    case EventType::kHeartbeat: return "heartbeat";
    case EventType::kIgnorable: return "ignorable";
    case EventType::kRowsQuery: return "rows_query";
    case EventType::kWriteRowsV2: return "write_rows_v2";
    case EventType::kUpdateRowsV2: return "update_rows_v2";
    case EventType::kDeleteRowsV2: return "delete_rows_v2";
    case EventType::kGtid: return "gtid";
    case EventType::kAnonymousGtid: return "anonymous_gtid";
    case EventType::kPreviousGtids: return "previous_gtids";
    case EventType::kTransactionContext: return "transaction_context";
    case EventType::kViewChange: return "view_change";
    case EventType::kXaPrepare: return "xa_prepare";
    case EventType::kPartialUpdateRows: return "partial_update_rows";
    case EventType::kTransactionPayload: return "transaction_payload";
    case EventType::kHeartbeatV2: return "heartbeat_v2";
    case EventType::kGtidTagged: return "gtid_tagged";
    case EventType::kMariaAnnotateRows: return "annotate_rows";
    case EventType::kMariaBinlogCheckpoint: return "binlog_checkpoint";
    case EventType::kMariaGtid: return "mariadb_gtid";
    case EventType::kMariaGtidList: return "mariadb_gtid_list";
    case EventType::kMariaStartEncryption: return "start_encryption";
    case EventType::kMariaQueryCompressed: return "query_compressed";
    case EventType::kMariaWriteRowsCompressedV1: return "write_rows_compressed_v1";
    case EventType::kMariaUpdateRowsCompressedV1: return "update_rows_compressed_v1";
    case EventType::kMariaDeleteRowsCompressedV1: return "delete_rows_compressed_v1";
    case EventType::kMariaWriteRowsCompressed: return "write_rows_compressed";
    case EventType::kMariaUpdateRowsCompressed: return "update_rows_compressed";
    case EventType::kMariaDeleteRowsCompressed: return "delete_rows_compressed";
  }
  static thread_local std::string unknown;
  unknown = "unknown_" + std::to_string(static_cast<int>(type));
  return unknown;
}

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kDecimal: return "decimal_old";
    case ColumnType::kTiny: return "tinyint";
    case ColumnType::kShort: return "smallint";
    case ColumnType::kLong: return "int";
    case ColumnType::kFloat: return "float";
    case ColumnType::kDouble: return "double";
    case ColumnType::kNull: return "null";
    case ColumnType::kTimestamp: return "timestamp";
    case ColumnType::kLongLong: return "bigint";
    case ColumnType::kInt24: return "mediumint";
    case ColumnType::kDate: return "date";
    case ColumnType::kTime: return "time";
    case ColumnType::kDateTime: return "datetime";
    case ColumnType::kYear: return "year";
    case ColumnType::kNewDate: return "newdate";
    case ColumnType::kVarchar: return "varchar";
    case ColumnType::kBit: return "bit";
    case ColumnType::kTimestamp2: return "timestamp2";
    case ColumnType::kDateTime2: return "datetime2";
    case ColumnType::kTime2: return "time2";
    case ColumnType::kTypedArray: return "typed_array";
    case ColumnType::kVector: return "vector";
    case ColumnType::kJson: return "json";
    case ColumnType::kNewDecimal: return "decimal";
    case ColumnType::kEnum: return "enum";
    case ColumnType::kSet: return "set";
    case ColumnType::kTinyBlob: return "tinyblob";
    case ColumnType::kMediumBlob: return "mediumblob";
    case ColumnType::kLongBlob: return "longblob";
    case ColumnType::kBlob: return "blob";
    case ColumnType::kVarString: return "var_string";
    case ColumnType::kString: return "char";
    case ColumnType::kGeometry: return "geometry";
  }
  return "unknown";
}

}  // namespace dm::binlog
