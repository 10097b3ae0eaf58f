# The only way targets are declared in this project. The DEPS of each library are the
# layering: a library may only depend on libraries declared before it.
#
#   dm_cc_library(NAME binlog SRCS a.cc b.cc DEPS dm::base dm::gtid [PRIVATE_DEPS ...])
#     -> static library dm_binlog, alias dm::binlog, includes rooted at src/
#   dm_cc_test(NAME binlog_test SRCS a_test.cc DEPS dm::binlog [LABELS unit|integration])
#     -> gtest binary registered with ctest (tests discovered individually)
#   dm_cc_binary(NAME dm-binlog SRCS main.cc DEPS ...)
#     -> executable in build/bin

set(DM_SRC_ROOT ${PROJECT_SOURCE_DIR}/src)

function(dm_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(dm_${A_NAME} STATIC ${A_SRCS})
  add_library(dm::${A_NAME} ALIAS dm_${A_NAME})
  target_include_directories(dm_${A_NAME} PUBLIC ${DM_SRC_ROOT})
  target_link_libraries(dm_${A_NAME} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
endfunction()

function(dm_cc_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT DM_BUILD_TESTS)
    return()
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 600)
  endif()
  if(NOT A_LABELS)
    set(A_LABELS unit)
  endif()
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  set_target_properties(${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  include(GoogleTest)
  gtest_discover_tests(${A_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()

function(dm_cc_binary)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
endfunction()
