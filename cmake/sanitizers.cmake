# SWITCHYARD_SANITIZE=address: AddressSanitizer + UndefinedBehaviorSanitizer (any report aborts);
# SWITCHYARD_SANITIZE=thread: ThreadSanitizer. Applied to every target of the project (the
# binary, its libraries, the tests and their helpers); scripts/sanitize.sh drives both.
set(SWITCHYARD_SANITIZE "" CACHE STRING "Sanitizer build: '' (none), 'address' (ASan+UBSan) or 'thread' (TSan)")
set_property(CACHE SWITCHYARD_SANITIZE PROPERTY STRINGS "" address thread)

if(SWITCHYARD_SANITIZE STREQUAL "address")
  set(_sy_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
elseif(SWITCHYARD_SANITIZE STREQUAL "thread")
  set(_sy_san -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT SWITCHYARD_SANITIZE STREQUAL "")
  message(FATAL_ERROR "SWITCHYARD_SANITIZE must be '', 'address' or 'thread', not '${SWITCHYARD_SANITIZE}'")
endif()
if(_sy_san)
  add_compile_options(${_sy_san})
  add_link_options(${_sy_san})
  # the binary knows it runs under a sanitizer (it then leaves fatal signals to the runtime)
  add_compile_definitions(SWITCHYARD_SANITIZER="${SWITCHYARD_SANITIZE}")
endif()
