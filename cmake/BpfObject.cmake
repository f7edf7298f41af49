# bpf_object(NAME SOURCE): compile SOURCE (X.bpf.c) with clang for the BPF
# target (CO-RE) and generate NAME.skel.h with bpftool. Adds an interface
# library NAME_skel whose include path holds the skeleton.
find_program(CLANG_EXECUTABLE NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL_EXECUTABLE NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

set(SE_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH
    "Kernel BTF used to generate vmlinux.h (any BTF-enabled kernel works: CO-RE relocates at load)")
set(SE_BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${SE_BPF_GEN_DIR})

if(NOT EXISTS ${SE_VMLINUX_BTF})
  message(FATAL_ERROR "No kernel BTF at ${SE_VMLINUX_BTF}: build on a kernel with "
          "CONFIG_DEBUG_INFO_BTF=y or pass -DSE_VMLINUX_BTF=<path to a vmlinux with BTF>")
endif()
add_custom_command(
  OUTPUT ${SE_BPF_GEN_DIR}/vmlinux.h
  COMMAND ${BPFTOOL_EXECUTABLE} btf dump file ${SE_VMLINUX_BTF} format c > ${SE_BPF_GEN_DIR}/vmlinux.h
  COMMENT "Generating vmlinux.h from ${SE_VMLINUX_BTF}"
  VERBATIM)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(SE_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(SE_BPF_ARCH arm64)
else()
  set(SE_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

function(bpf_object NAME SOURCE)
  set(obj ${SE_BPF_GEN_DIR}/${NAME}.bpf.o)
  set(skel ${SE_BPF_GEN_DIR}/${NAME}.skel.h)
  file(GLOB bpf_headers ${CMAKE_SOURCE_DIR}/bpf/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CLANG_EXECUTABLE} -g -O2 -Wall -Werror -mcpu=v3 -target bpf
            -D__TARGET_ARCH_${SE_BPF_ARCH}
            -I${SE_BPF_GEN_DIR} -I${CMAKE_SOURCE_DIR}/bpf
            -c ${CMAKE_SOURCE_DIR}/${SOURCE} -o ${obj}
    DEPENDS ${CMAKE_SOURCE_DIR}/${SOURCE} ${bpf_headers} ${SE_BPF_GEN_DIR}/vmlinux.h
    COMMENT "Compiling BPF object ${NAME}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL_EXECUTABLE} gen skeleton ${obj} name ${NAME} > ${skel}
    DEPENDS ${obj}
    COMMENT "Generating BPF skeleton ${NAME}.skel.h"
    VERBATIM)
  add_custom_target(${NAME}_skel_gen DEPENDS ${skel})
  add_library(${NAME}_skel INTERFACE)
  add_dependencies(${NAME}_skel ${NAME}_skel_gen)
  target_include_directories(${NAME}_skel INTERFACE ${SE_BPF_GEN_DIR} ${CMAKE_SOURCE_DIR}/bpf)
endfunction()
