# Refuses a compiler that miscompiles coroutines (see tests/toolchain/coroutine_temporaries.cpp):
# GCC 12 destroys the temporaries of a co_await expression twice, which crashed the gateway.
# scripts/setup.sh builds with clang 19. SWITCHYARD_ALLOW_BROKEN_COROUTINES=ON skips the refusal
# (for experiments only: the gateway is not safe built that way).
option(SWITCHYARD_ALLOW_BROKEN_COROUTINES "Build even with a compiler that fails the coroutine check" OFF)

if(NOT DEFINED SWITCHYARD_COROUTINES_OK_FOR OR NOT SWITCHYARD_COROUTINES_OK_FOR STREQUAL "${CMAKE_CXX_COMPILER}")
  try_run(_coro_run _coro_compile
    ${CMAKE_BINARY_DIR}/toolchain_check
    ${CMAKE_SOURCE_DIR}/tests/toolchain/coroutine_temporaries.cpp
    CXX_STANDARD 20
    COMPILE_OUTPUT_VARIABLE _coro_compile_out
    RUN_OUTPUT_VARIABLE _coro_run_out)
  if(NOT _coro_compile)
    message(FATAL_ERROR "The C++ compiler cannot build C++20 coroutines:\n${_coro_compile_out}")
  endif()
  if(NOT _coro_run EQUAL 0)
    if(SWITCHYARD_ALLOW_BROKEN_COROUTINES)
      message(WARNING "${CMAKE_CXX_COMPILER} destroys co_await temporaries wrongly:\n${_coro_run_out}")
    else()
      message(FATAL_ERROR
        "${CMAKE_CXX_COMPILER} (${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}) destroys the temporaries "
        "of co_await expressions wrongly, which crashes the gateway:\n${_coro_run_out}"
        "Build with clang 19 (bash scripts/setup.sh does: -DCMAKE_CXX_COMPILER=clang++-19).")
    endif()
  else()
    set(SWITCHYARD_COROUTINES_OK_FOR "${CMAKE_CXX_COMPILER}" CACHE INTERNAL "compiler that passed the coroutine check")
  endif()
endif()
