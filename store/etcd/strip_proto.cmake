# Copies one of etcd's .proto files (golang-etcd-server-dev) to OUT without
# what protoc cannot read without the Go toolchain's extra files: the
# gogoproto and google.api imports and options. With SERVICES (a list), only
# those services are kept; the messages all stay.
# usage: cmake -DIN=... -DOUT=... [-DSERVICES=KV] -P strip_proto.cmake
cmake_minimum_required(VERSION 3.25)
file(READ "${IN}" text)
string(REGEX REPLACE "import \"gogoproto/[^\"]*\";" "" text "${text}")
string(REGEX REPLACE "import \"google/api/[^\"]*\";" "" text "${text}")
string(REGEX REPLACE "option \\(gogoproto\\.[a-z_]+\\) = [a-z]+;" "" text "${text}")
# Field options: [(gogoproto.nullable) = false] and the like.
string(REGEX REPLACE "\\[\\(gogoproto\\.[^]]*\\]" "" text "${text}")
# option (google.api.http) = { post: "..." body: "*" }; after its only
# nested blocks, additional_bindings { ... }, are gone.
string(REGEX REPLACE "additional_bindings {[^}]*}" "" text "${text}")
string(REGEX REPLACE "option \\(google\\.api\\.http\\) = {[^}]*};" "" text "${text}")
if(DEFINED SERVICES)
  # Each rpc's body is now empty: "{ }" becomes "{}", so a service's body
  # holds no braces but those pairs, and one regex spans it.
  string(REGEX REPLACE "{[ \t\r\n]*}" "{}" text "${text}")
  string(REGEX MATCHALL "service [A-Za-z]+ {([^{}]|{})*}" services "${text}")
  foreach(service IN LISTS services)
    string(REGEX MATCH "^service ([A-Za-z]+)" _ "${service}")
    if(NOT CMAKE_MATCH_1 IN_LIST SERVICES)
      string(REPLACE "${service}" "" text "${text}")
    endif()
  endforeach()
endif()
# The lite runtime: no descriptors, so no descriptor table parsed by a
# static initialiser at the start of every process that links this code,
# whether it talks to etcd or not.
string(REGEX REPLACE "\n(package [A-Za-z_.]+;)" "\n\\1\noption optimize_for = LITE_RUNTIME;" text "${text}")
if(NOT text MATCHES "option optimize_for = LITE_RUNTIME;")
  message(FATAL_ERROR "${IN}: no package line to put optimize_for after")
endif()
if(text MATCHES "\\((gogoproto|google\\.api)\\.")
  message(FATAL_ERROR "${IN}: annotations left after stripping; etcd's .proto files changed shape")
endif()
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
