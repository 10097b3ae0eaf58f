-- Type-coverage corpus for migration tests (full dump/load and binlog sync).
--
-- Creates schema `corpus` (dropping it first) with tables covering every MariaDB 10.11 column
-- type with edge values and NULLs, odd identifiers, tables without keys, composite and
-- non-integer keys, a partitioned table, several charsets, generated columns and a few
-- large values. Every table is deterministic: two servers that ran this script hold
-- identical data (CHECKSUM TABLE equal).
--
-- Usage:  mariadb -h127.0.0.1 -P$PORT -uroot < tests/integration/corpus/types_corpus.sql
--         (or `source tests/integration/corpus/types_corpus.sql` in the client)
-- Needs MariaDB >= 10.10 (INET4, INET6, UUID); uses no SEQUENCE engine (recursive CTEs).
--
-- The session is permissive so that zero dates and out-of-range-clipping literals are
-- stored as written; a loader must use a permissive sql_mode (plus NO_AUTO_VALUE_ON_ZERO)
-- to reproduce them.

SET NAMES utf8mb4;
SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';
SET SESSION time_zone = '+00:00';
SET SESSION max_recursive_iterations = 1000000;
DROP DATABASE IF EXISTS `corpus`;
CREATE DATABASE `corpus` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE `corpus`;

-- ---------------------------------------------------------------------------------------
-- Integers: every width, signed/unsigned, min/max/zero/-1, ZEROFILL, BOOL, NULLs.
CREATE TABLE `ints` (
  id INT NOT NULL PRIMARY KEY,
  t TINYINT, tu TINYINT UNSIGNED,
  s SMALLINT, su SMALLINT UNSIGNED,
  m MEDIUMINT, mu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED,
  b BIGINT, bu BIGINT UNSIGNED,
  z INT(8) UNSIGNED ZEROFILL,
  bo BOOL
) ENGINE=InnoDB;
INSERT INTO `ints` VALUES
 (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0, 0),
 (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
     9223372036854775807, 18446744073709551615, 4294967295, 1),
 (3, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 42, -1),
 (4, -1, 128, -1, 32768, -1, 8388608, -1, 2147483648, -1, 9223372036854775808, 7, 127),
 (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- Auto increment with an explicit 0 (needs NO_AUTO_VALUE_ON_ZERO to survive a reload).
CREATE TABLE `autoinc` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  v VARCHAR(10)
) ENGINE=InnoDB AUTO_INCREMENT=1000;
INSERT INTO `autoinc` VALUES (0, 'zero'), (1, 'one'), (18446744073709551614, 'near max');

-- ---------------------------------------------------------------------------------------
-- Exact and approximate numerics.
CREATE TABLE `decimals` (
  id INT NOT NULL PRIMARY KEY,
  d65 DECIMAL(65,30),
  d65i DECIMAL(65,0),
  d10 DECIMAL(10,0),
  du DECIMAL(5,2) UNSIGNED,
  n NUMERIC(20,10),
  d1 DECIMAL(1,1)
) ENGINE=InnoDB;
INSERT INTO `decimals` VALUES
 (1, 99999999999999999999999999999999999.999999999999999999999999999999,
     99999999999999999999999999999999999999999999999999999999999999999,
     9999999999, 999.99, 9999999999.9999999999, 0.9),
 (2, -99999999999999999999999999999999999.999999999999999999999999999999,
     -99999999999999999999999999999999999999999999999999999999999999999,
     -9999999999, 0.00, -9999999999.9999999999, -0.9),
 (3, 0.000000000000000000000000000001, 0, 0, 0.01, 0.0000000001, 0.0),
 (4, -0.000000000000000000000000000001, -1, -1, 1.5, -0.0000000001, -0.1),
 (5, 12345678901234567890.123456789012345678901234567890, 1, 1, 100, 1, 0.5),
 (6, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE `floats` (
  id INT NOT NULL PRIMARY KEY,
  f FLOAT,
  d DOUBLE,
  fm FLOAT(7,3),
  dm DOUBLE(20,10),
  r REAL,
  fu FLOAT UNSIGNED
) ENGINE=InnoDB;
INSERT INTO `floats` VALUES
 (1, 3.402823466e38, 1.7976931348623157e308, 9999.999, 9999999999.9999999999, 1e300, 3.4e38),
 (2, -3.402823466e38, -1.7976931348623157e308, -9999.999, -9999999999.9999999999, -1e300, 0),
 (3, 1.17549435e-38, 2.2250738585072014e-308, 0.001, 0.0000000001, 4.9e-324, 1.4e-45),
 (4, 16777217, 9007199254740993, 1.234, 0.1, 0.30000000000000004, 0.1),
 (5, 0.1, 0.1, -0.001, 1.0000000001, 1.0000000000000002, 1.0000001),
 (6, -0.0, -0.0, 0, 0, 0, 0),
 (7, 1.0000001, 123456789.123456789, 123.456, 1234567890.0123456789, 2.718281828459045, 3.1415927),
 (8, NULL, NULL, NULL, NULL, NULL, NULL);

-- BIT of several widths.
CREATE TABLE `bits` (
  id INT NOT NULL PRIMARY KEY,
  b1 BIT(1),
  b7 BIT(7),
  b8 BIT(8),
  b17 BIT(17),
  b64 BIT(64)
) ENGINE=InnoDB;
INSERT INTO `bits` VALUES
 (1, b'0', b'0', b'0', b'0', b'0'),
 (2, b'1', b'1111111', b'11111111', b'11111111111111111', 0xFFFFFFFFFFFFFFFF),
 (3, 1, 85, 0x80, 65536, 0x8000000000000001),
 (4, NULL, NULL, NULL, NULL, NULL),
 (5, 0, 0x27, 0x5C, 0x22, 0x0027005C00220A0D);

-- ---------------------------------------------------------------------------------------
-- Temporal types, every fractional precision, zero dates (permissive sql_mode).
CREATE TABLE `temporals` (
  id INT NOT NULL PRIMARY KEY,
  y YEAR,
  d DATE,
  t0 TIME, t1 TIME(1), t2 TIME(2), t3 TIME(3), t4 TIME(4), t5 TIME(5), t6 TIME(6),
  dt0 DATETIME, dt1 DATETIME(1), dt2 DATETIME(2), dt3 DATETIME(3), dt4 DATETIME(4),
  dt5 DATETIME(5), dt6 DATETIME(6),
  ts0 TIMESTAMP NULL DEFAULT NULL, ts1 TIMESTAMP(1) NULL DEFAULT NULL,
  ts2 TIMESTAMP(2) NULL DEFAULT NULL, ts3 TIMESTAMP(3) NULL DEFAULT NULL,
  ts4 TIMESTAMP(4) NULL DEFAULT NULL, ts5 TIMESTAMP(5) NULL DEFAULT NULL,
  ts6 TIMESTAMP(6) NULL DEFAULT NULL
) ENGINE=InnoDB;
INSERT INTO `temporals` VALUES
 (1, 1901, '1000-01-01', '-838:59:59', '-838:59:58.9', '-838:59:58.99', '-838:59:58.999',
  '-838:59:58.9999', '-838:59:58.99999', '-838:59:58.999999',
  '1000-01-01 00:00:00', '1000-01-01 00:00:00.1', '1000-01-01 00:00:00.12',
  '1000-01-01 00:00:00.123', '1000-01-01 00:00:00.1234', '1000-01-01 00:00:00.12345',
  '1000-01-01 00:00:00.123456',
  '1970-01-01 00:00:01', '1970-01-01 00:00:01.1', '1970-01-01 00:00:01.12',
  '1970-01-01 00:00:01.123', '1970-01-01 00:00:01.1234', '1970-01-01 00:00:01.12345',
  '1970-01-01 00:00:01.123456'),
 (2, 2155, '9999-12-31', '838:59:59', '838:59:58.9', '838:59:58.99', '838:59:58.999',
  '838:59:58.9999', '838:59:58.99999', '838:59:58.999999',
  '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.99',
  '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.9999', '9999-12-31 23:59:59.99999',
  '9999-12-31 23:59:59.999999',
  '2038-01-19 03:14:07', '2038-01-19 03:14:07.9', '2038-01-19 03:14:07.99',
  '2038-01-19 03:14:07.999', '2038-01-19 03:14:07.9999', '2038-01-19 03:14:07.99999',
  '2038-01-19 03:14:07.999999'),
 (3, 0, '0000-00-00', '00:00:00', '00:00:00.0', '00:00:00.00', '00:00:00.000',
  '00:00:00.0000', '00:00:00.00000', '00:00:00.000000',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00.0', '0000-00-00 00:00:00.00',
  '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.0000', '0000-00-00 00:00:00.00000',
  '0000-00-00 00:00:00.000000',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00.0', '0000-00-00 00:00:00.00',
  '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.0000', '0000-00-00 00:00:00.00000',
  '0000-00-00 00:00:00.000000'),
 (4, 2000, '2024-02-29', '12:34:56', '12:34:56.5', '12:34:56.05', '12:34:56.005',
  '12:34:56.0005', '12:34:56.00005', '12:34:56.000005',
  '2024-02-29 12:34:56', '2024-02-29 12:34:56.5', '2024-02-29 12:34:56.05',
  '2024-02-29 12:34:56.005', '2024-02-29 12:34:56.0005', '2024-02-29 12:34:56.00005',
  '2024-02-29 12:34:56.000005',
  -- 01:30 UTC on the day European clocks go forward: a zone-dependent dump would shift it.
  '2024-03-31 01:30:00', '2024-03-31 01:30:00.5', '2024-03-31 01:30:00.05',
  '2024-03-31 01:30:00.005', '2024-03-31 01:30:00.0005', '2024-03-31 01:30:00.00005',
  '2024-03-31 01:30:00.000005'),
 (5, 2024, '2024-00-00', '-00:00:01', '-00:00:00.1', NULL, NULL, NULL, NULL, NULL,
  '2024-01-00 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---------------------------------------------------------------------------------------
-- Strings: utf8mb4 with emoji and every escape-worthy byte, fixed/variable/text widths.
CREATE TABLE `strings_utf8mb4` (
  id INT NOT NULL PRIMARY KEY,
  c CHAR(20),
  v VARCHAR(300),
  tt TINYTEXT,
  t TEXT,
  mt MEDIUMTEXT,
  lt LONGTEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO `strings_utf8mb4` VALUES
 (1, 'abc', 'hello, world', 'tiny', 'text', 'medium', 'long'),
 (2, '', '', '', '', '', ''),
 (3, '😀🎉', 'emoji 😀 🎉 👨‍👩‍👧‍👦 flags 🇩🇪 and CJK 中文 日本語 한국어', '🙂', 'ünïcödé Ωmega ∑ ∞',
     'Привет мир', 'مرحبا بالعالم עברית'),
 (4, 'q''uote', 'single '' double " backtick ` backslash \\ end',
     'nul:\0:', 'newline\nreturn\rtab\tctrlz\Z', 'percent % underscore _', 'semi; -- comment /* c */ #h'),
 (5, 'trail  ', 'trailing spaces   ', '  lead', '\\\\', '\\''', '''\\'),
 (6, NULL, NULL, NULL, NULL, NULL, NULL),
 (7, '\\', 'a\\nb is not a newline', '\\0', '\\Z', CONCAT('x', CHAR(0), 'y'), REPEAT('ab', 5000));

-- Other charsets (each stored in its own encoding).
CREATE TABLE `strings_charsets` (
  id INT NOT NULL PRIMARY KEY,
  l1 VARCHAR(50) CHARACTER SET latin1,
  l1b VARCHAR(50) CHARACTER SET latin1 COLLATE latin1_bin,
  a VARCHAR(50) CHARACTER SET ascii,
  u3 VARCHAR(50) CHARACTER SET utf8mb3,
  g VARCHAR(50) CHARACTER SET gbk,
  sj VARCHAR(50) CHARACTER SET sjis,
  b5 VARCHAR(50) CHARACTER SET big5,
  u16 VARCHAR(50) CHARACTER SET utf16,
  u32 VARCHAR(20) CHARACTER SET utf32,
  c1251 VARCHAR(50) CHARACTER SET cp1251,
  t_l1 TEXT CHARACTER SET latin1
) ENGINE=InnoDB DEFAULT CHARSET=latin1;
INSERT INTO `strings_charsets` VALUES
 (1, 'café naïve ÿ', 'Ærøskøbing', 'plain ascii', 'BMP only: Ωé中', '中文汉字', 'ソフトウェア表示',
     '許功蓋', 'utf16 😀 surrogate', 'utf32 😀', 'Привет', 'latin1 text ß'),
 -- 0x5C (backslash) as the second byte of multi-byte characters: 表 in sjis, 功 in big5.
 (2, '\\''', '\\', '''', '"', '丂\\', '表示 ソ', '功夫 許', '', '', 'Ё', ''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, CONVERT(0xE9E8 USING latin1), CONVERT(0xFF00FE USING latin1), CONVERT(0x7F00 USING ascii),
     '', CONVERT(0x815C USING gbk), CONVERT(0x955C USING sjis), CONVERT(0xA55C USING big5),
     '', '', CONVERT(0xC0FF USING cp1251), CONVERT(0x000A0D5C27 USING latin1));

-- Binary strings with every byte value, NUL, quotes and backslashes.
CREATE TABLE `binaries` (
  id INT NOT NULL PRIMARY KEY,
  bn BINARY(16),
  vb VARBINARY(300),
  tb TINYBLOB,
  b BLOB,
  mb MEDIUMBLOB,
  lb LONGBLOB
) ENGINE=InnoDB;
INSERT INTO `binaries` VALUES
 (1, 0x00, 0x00, 0x0027225C, 0x5C30, 0x0D0A1A09, 0xFFFEFD),
 (2, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF, 0x000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F,
     0x27, 0x22, 0x5C, 0x60),
 (3, '', '', '', '', '', ''),
 (4, NULL, NULL, NULL, NULL, NULL, NULL),
 (5, 'abc', 'text in binary', 'it''s', '\\', CONCAT(0x00, '\0', 0x00), 0xF09F9880),
 (6, 0x20, 0x2020, 0x00, 0x0000, 0x000000, 0x00000000);
-- Every byte value 0x00..0xFF in one VARBINARY and in one BLOB.
INSERT INTO `binaries` (id, vb, b)
  WITH RECURSIVE q(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM q WHERE n < 255),
       a(s) AS (SELECT GROUP_CONCAT(UNHEX(LPAD(HEX(n), 2, '0')) ORDER BY n SEPARATOR '') FROM q)
  SELECT 7, s, REVERSE(s) FROM a;

-- ENUM and SET, including the empty (invalid, index 0) enum value and empty set.
CREATE TABLE `enums_sets` (
  id INT NOT NULL PRIMARY KEY,
  e ENUM('a', 'b', 'with space', 'quo''te', 'back\\slash', 'ü', ''),
  e2 ENUM('x', 'y') NOT NULL DEFAULT 'x',
  s SET('r', 'w', 'x', 'é'),
  s64 SET('b01','b02','b03','b04','b05','b06','b07','b08','b09','b10','b11','b12','b13','b14',
          'b15','b16','b17','b18','b19','b20','b21','b22','b23','b24','b25','b26','b27','b28',
          'b29','b30','b31','b32','b33','b34','b35','b36','b37','b38','b39','b40','b41','b42',
          'b43','b44','b45','b46','b47','b48','b49','b50','b51','b52','b53','b54','b55','b56',
          'b57','b58','b59','b60','b61','b62','b63','b64')
) ENGINE=InnoDB;
INSERT INTO `enums_sets` VALUES
 (1, 'a', 'x', '', ''),
 (2, 'with space', 'y', 'r,w,x,é', 'b01,b64'),
 (3, 'quo''te', 'x', 'w', 'b32,b33'),
 (4, 'back\\slash', 'y', 'é', 'b01,b02,b03,b04,b05,b06,b07,b08,b09,b10,b11,b12,b13,b14,b15,b16,b17,b18,b19,b20,b21,b22,b23,b24,b25,b26,b27,b28,b29,b30,b31,b32,b33,b34,b35,b36,b37,b38,b39,b40,b41,b42,b43,b44,b45,b46,b47,b48,b49,b50,b51,b52,b53,b54,b55,b56,b57,b58,b59,b60,b61,b62,b63,b64'),
 (5, 'ü', 'x', 'x,r', 'b63'),
 (6, '', 'y', NULL, NULL),
 (7, NULL, 'x', NULL, NULL);
-- An invalid enum value is stored as index 0 (the special '' error value).
INSERT IGNORE INTO `enums_sets` VALUES (8, 'not a member', 'x', 'r', 'b10');

-- JSON (MariaDB: LONGTEXT with a JSON_VALID check).
CREATE TABLE `jsons` (
  id INT NOT NULL PRIMARY KEY,
  j JSON
) ENGINE=InnoDB;
INSERT INTO `jsons` VALUES
 (1, '{"a": 1, "b": [1, 2.5, "x", null, true, false], "c": {"d": "é😀"}}'),
 (2, '[]'),
 (3, '{}'),
 (4, '"a string with \\"quotes\\" and \\\\ backslash and \\n newline"'),
 (5, '12345678901234567890.123456789'),
 (6, 'null'),
 (7, NULL),
 (8, '{"k": "\\u0000 nul", "big": 18446744073709551615, "neg": -9223372036854775808, "e": 1e308}');

-- Spatial types (stored as SRID + WKB).
CREATE TABLE `geometries` (
  id INT NOT NULL PRIMARY KEY,
  g GEOMETRY,
  p POINT,
  l LINESTRING,
  pg POLYGON,
  mp MULTIPOINT,
  ml MULTILINESTRING,
  mpg MULTIPOLYGON,
  gc GEOMETRYCOLLECTION
) ENGINE=InnoDB;
INSERT INTO `geometries` VALUES
 (1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-180 90)'),
     ST_GeomFromText('LINESTRING(0 0, 1 1, 2 2)'),
     ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))'),
     ST_GeomFromText('MULTIPOINT(1 1, 2 2)'),
     ST_GeomFromText('MULTILINESTRING((0 0, 1 1), (2 2, 3 3))'),
     ST_GeomFromText('MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))'),
     ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 1))')),
 (2, ST_GeomFromText('POINT(0.1 -0.30000000000000004)', 4326), ST_GeomFromText('POINT(1e300 -1e-300)'),
     NULL, NULL, NULL, NULL, NULL, ST_GeomFromText('GEOMETRYCOLLECTION EMPTY')),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- MariaDB's own types: INET4, INET6, UUID.
CREATE TABLE `mariadb_types` (
  id INT NOT NULL PRIMARY KEY,
  i4 INET4,
  i6 INET6,
  u UUID
) ENGINE=InnoDB;
INSERT INTO `mariadb_types` VALUES
 (1, '0.0.0.0', '::', '00000000-0000-0000-0000-000000000000'),
 (2, '255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
 (3, '192.168.0.1', '::ffff:192.168.0.1', '123e4567-e89b-12d3-a456-426655440000'),
 (4, '10.0.0.1', '2001:db8::1', '01234567-89ab-cdef-0123-456789abcdef'),
 (5, NULL, NULL, NULL);

-- Generated columns (never written by a loader; recomputed downstream).
CREATE TABLE `generated_cols` (
  id INT NOT NULL PRIMARY KEY,
  a INT,
  b VARCHAR(20),
  v_sum INT AS (a + id) VIRTUAL,
  s_up VARCHAR(20) AS (UPPER(b)) STORED,
  KEY k_s (s_up)
) ENGINE=InnoDB;
INSERT INTO `generated_cols` (id, a, b) VALUES (1, 10, 'abc'), (2, NULL, 'x'), (3, -5, NULL);

-- ---------------------------------------------------------------------------------------
-- Keys: none, composite, non-integer, nullable unique only, NOT NULL unique only.
CREATE TABLE `no_key` (
  a INT,
  b VARCHAR(20),
  c DOUBLE
) ENGINE=InnoDB;
-- Identical rows on purpose: a loader that duplicates or drops rows changes the count.
INSERT INTO `no_key` VALUES (1, 'dup', 1.5), (1, 'dup', 1.5), (1, 'dup', 1.5), (2, NULL, NULL),
  (NULL, NULL, NULL), (NULL, NULL, NULL);
INSERT INTO `no_key`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 3000)
  SELECT n % 17, CONCAT('row', n % 5), n / 7 FROM q;

CREATE TABLE `composite_key` (
  region VARCHAR(20) NOT NULL,
  seq INT NOT NULL,
  at DATETIME(3) NOT NULL,
  payload VARCHAR(100),
  PRIMARY KEY (region, seq, at)
) ENGINE=InnoDB;
INSERT INTO `composite_key`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 4000)
  SELECT ELT(1 + n % 5, 'eu', 'us', 'ap', 'Ünïcode', 'q''s'), n DIV 5,
         TIMESTAMPADD(SECOND, n, '2024-01-01 00:00:00.123'), REPEAT(CHAR(65 + n % 26), n % 90)
  FROM q;

CREATE TABLE `varchar_key` (
  k VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  v INT
) ENGINE=InnoDB;
INSERT INTO `varchar_key`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 3000)
  SELECT CONCAT(ELT(1 + n % 6, 'a', 'B', 'é', '😀', 'x''y', 'back\\'), LPAD(n, 6, '0')), n FROM q;
INSERT INTO `varchar_key` VALUES ('', 0), ('\0', -2);  -- '' and ' ' collide (PAD SPACE)

CREATE TABLE `datetime_key` (
  at DATETIME(6) NOT NULL PRIMARY KEY,
  v VARCHAR(10)
) ENGINE=InnoDB;
INSERT INTO `datetime_key`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 2500)
  SELECT TIMESTAMPADD(MICROSECOND, n * 1234567, '1999-12-31 23:59:00'), CONCAT('v', n) FROM q;

CREATE TABLE `decimal_key` (
  k DECIMAL(30,10) NOT NULL PRIMARY KEY,
  v INT
) ENGINE=InnoDB;
INSERT INTO `decimal_key`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 2000)
  SELECT (n - 1000) * 1234.5678901234, n FROM q;

CREATE TABLE `binary_key` (
  k VARBINARY(16) NOT NULL PRIMARY KEY,
  v INT
) ENGINE=InnoDB;
INSERT INTO `binary_key`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 2000)
  SELECT UNHEX(SHA2(n, 256)) , n FROM q;
INSERT INTO `binary_key` VALUES (0x00, 0), (0x27, -1), (0x5C, -2), ('', -3);

CREATE TABLE `unique_not_null` (
  a INT NOT NULL,
  b VARCHAR(10) NOT NULL,
  c INT,
  UNIQUE KEY uk (a, b)
) ENGINE=InnoDB;
INSERT INTO `unique_not_null`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 2000)
  SELECT n DIV 3, CONCAT('b', n % 3), IF(n % 7 = 0, NULL, n) FROM q;

CREATE TABLE `unique_nullable` (
  a INT NULL,
  b INT,
  UNIQUE KEY uk (a)
) ENGINE=InnoDB;
INSERT INTO `unique_nullable` VALUES (NULL, 1), (NULL, 1), (1, 2), (2, NULL);

CREATE TABLE `signed_bigint_key` (
  id BIGINT NOT NULL PRIMARY KEY,
  v INT
) ENGINE=InnoDB;
INSERT INTO `signed_bigint_key` VALUES (-9223372036854775808, 1), (9223372036854775807, 2),
  (0, 3), (-1, 4);
INSERT INTO `signed_bigint_key`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 2000)
  SELECT n * 4611686018427387 - 4611686018427386999, n FROM q;

CREATE TABLE `unsigned_bigint_key` (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  v INT
) ENGINE=InnoDB;
INSERT INTO `unsigned_bigint_key` VALUES (0, 1), (18446744073709551615, 2), (9223372036854775808, 3);
INSERT INTO `unsigned_bigint_key`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 2000)
  SELECT CAST(n AS UNSIGNED) * 9223372036854775, n FROM q;

-- ---------------------------------------------------------------------------------------
-- Partitioned tables.
CREATE TABLE `partitioned_range` (
  id INT NOT NULL,
  created DATE NOT NULL,
  v VARCHAR(20),
  PRIMARY KEY (id, created)
) ENGINE=InnoDB
PARTITION BY RANGE (YEAR(created)) (
  PARTITION p2020 VALUES LESS THAN (2021),
  PARTITION p2021 VALUES LESS THAN (2022),
  PARTITION pmax VALUES LESS THAN MAXVALUE
);
INSERT INTO `partitioned_range`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 1500)
  SELECT n, DATE_ADD('2020-01-01', INTERVAL n DAY), CONCAT('p', n) FROM q;

CREATE TABLE `partitioned_hash` (
  id BIGINT NOT NULL PRIMARY KEY,
  v TEXT
) ENGINE=InnoDB
PARTITION BY HASH (id) PARTITIONS 4;
INSERT INTO `partitioned_hash`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 1000)
  SELECT n * 7, REPEAT('h', n % 50) FROM q;

-- ---------------------------------------------------------------------------------------
-- Odd identifiers: backticks, quotes, spaces, reserved words, unicode, dots and slashes
-- (which a dump must encode in file names).
CREATE TABLE `we``ird "name' x` (
  `select` INT NOT NULL PRIMARY KEY,
  `from` VARCHAR(20),
  `col with space` INT,
  `back``tick` TEXT,
  `"dq"` INT,
  `'sq'` INT,
  `ünï_cödé_列` VARCHAR(20)
) ENGINE=InnoDB;
INSERT INTO `we``ird "name' x` VALUES (1, 'f', 2, 'b`t', 3, 4, '列'), (2, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE `order` (
  `key` INT NOT NULL PRIMARY KEY,
  `group` VARCHAR(10),
  `index` INT,
  `desc` INT
) ENGINE=InnoDB;
INSERT INTO `order` VALUES (1, 'g', 2, 3);

CREATE TABLE `表格_ñ` (
  `标识` INT NOT NULL PRIMARY KEY,
  `名字` VARCHAR(20)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `表格_ñ` VALUES (1, '你好'), (2, 'ñandú');

CREATE TABLE `dot.ted` (id INT NOT NULL PRIMARY KEY, v VARCHAR(5)) ENGINE=InnoDB;
INSERT INTO `dot.ted` VALUES (1, 'a.b');
CREATE TABLE `sl/ash` (id INT NOT NULL PRIMARY KEY, v VARCHAR(5)) ENGINE=InnoDB;
INSERT INTO `sl/ash` VALUES (1, 'a/b');
CREATE TABLE `per%cent` (id INT NOT NULL PRIMARY KEY, v VARCHAR(5)) ENGINE=InnoDB;
INSERT INTO `per%cent` VALUES (1, '%41');
CREATE TABLE ` lead and trail` (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO ` lead and trail` VALUES (1);

-- ---------------------------------------------------------------------------------------
-- Large values: rows bigger than one INSERT statement / load batch (MariaDB's default
-- max_allowed_packet is 16 MiB).
CREATE TABLE `large_values` (
  id INT NOT NULL PRIMARY KEY,
  lt LONGTEXT,
  lb LONGBLOB
) ENGINE=InnoDB;
INSERT INTO `large_values` VALUES
 (1, REPEAT('0123456789abcdef', 196608), REPEAT(0x00FF275C, 262144)),
 (2, REPEAT('é', 500000), NULL),
 (3, NULL, REPEAT(0x5C, 2000000)),
 (4, 'small', 0x01);

-- Many small rows with an integer key and a secondary index (chunking by ranges).
CREATE TABLE `many_rows` (
  id INT NOT NULL PRIMARY KEY,
  k INT NOT NULL,
  c CHAR(40) NOT NULL,
  n DOUBLE,
  KEY k_idx (k)
) ENGINE=InnoDB;
INSERT INTO `many_rows`
  WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < 20000)
  SELECT n * 3, n % 1000, SHA1(n), n / 3 FROM q;

-- A non-InnoDB table (Aria): dumped like any other.
CREATE TABLE `aria_table` (
  id INT NOT NULL PRIMARY KEY,
  v VARCHAR(20)
) ENGINE=Aria;
INSERT INTO `aria_table` VALUES (1, 'aria'), (2, NULL);

-- An empty table (schema only, no data file).
CREATE TABLE `empty_table` (
  id INT NOT NULL PRIMARY KEY,
  v VARCHAR(20) DEFAULT 'd'
) ENGINE=InnoDB;

-- A view: not migrated as a table by the full phase (DM dumps no views).
CREATE VIEW `v_ints` AS SELECT id, i FROM `ints`;
