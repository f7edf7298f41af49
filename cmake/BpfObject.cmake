# bpf_object(NAME SOURCE): compile SOURCE (X.bpf.c) with clang for the BPF
# target (CO-RE) and generate NAME.skel.h with bpftool. Adds an interface
# library NAME_skel whose include path holds the skeleton.
#
# Only the targets that compile BPF objects need clang, bpftool and kernel BTF. Without
# them configuring still succeeds (the core library and the unit tests build anywhere);
# building such a target then fails with one line saying what is missing.
find_program(CLANG_EXECUTABLE NAMES clang clang-14)
find_program(BPFTOOL_EXECUTABLE NAMES bpftool PATHS /usr/sbin /sbin)

set(SE_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH
    "Kernel BTF used to generate vmlinux.h (any BTF-enabled kernel works: CO-RE relocates at load)")
# Where there is no kernel BTF to read (a container build), a committed header does instead:
# -DSE_VMLINUX_H=bpf/vmlinux/x86_64/vmlinux.h, generated once from a recent kernel's BTF as
# libbpf-tools does. CO-RE relocates against the running kernel's BTF at load either way.
set(SE_VMLINUX_H "" CACHE FILEPATH
    "Use this vmlinux.h instead of generating one from SE_VMLINUX_BTF (e.g. bpf/vmlinux/x86_64/vmlinux.h)")
set(SE_BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${SE_BPF_GEN_DIR})

set(SE_BPF_MISSING "")
if(NOT CLANG_EXECUTABLE)
  set(SE_BPF_MISSING "clang not found (apt-get install clang llvm)")
elseif(NOT BPFTOOL_EXECUTABLE)
  set(SE_BPF_MISSING "bpftool not found (apt-get install bpftool)")
elseif(SE_VMLINUX_H)
  get_filename_component(SE_VMLINUX_H ${SE_VMLINUX_H} ABSOLUTE BASE_DIR ${CMAKE_SOURCE_DIR})
  if(NOT EXISTS ${SE_VMLINUX_H})
    set(SE_BPF_MISSING "no vmlinux.h at ${SE_VMLINUX_H} (SE_VMLINUX_H)")
  endif()
elseif(NOT EXISTS ${SE_VMLINUX_BTF})
  set(SE_BPF_MISSING "no kernel BTF at ${SE_VMLINUX_BTF}: build on a kernel with "
                     "CONFIG_DEBUG_INFO_BTF=y or pass -DSE_VMLINUX_BTF=<path to a vmlinux with BTF>")
  string(REPLACE ";" "" SE_BPF_MISSING "${SE_BPF_MISSING}")
endif()
if(SE_BPF_MISSING)
  message(WARNING "BPF objects cannot be built: ${SE_BPF_MISSING}. Only se_core and "
                  "unit_tests can be built in this tree.")
elseif(SE_VMLINUX_H)
  add_custom_command(
    OUTPUT ${SE_BPF_GEN_DIR}/vmlinux.h
    COMMAND ${CMAKE_COMMAND} -E copy ${SE_VMLINUX_H} ${SE_BPF_GEN_DIR}/vmlinux.h
    DEPENDS ${SE_VMLINUX_H}
    COMMENT "Using ${SE_VMLINUX_H} as vmlinux.h"
    VERBATIM)
else()
  add_custom_command(
    OUTPUT ${SE_BPF_GEN_DIR}/vmlinux.h
    COMMAND ${BPFTOOL_EXECUTABLE} btf dump file ${SE_VMLINUX_BTF} format c > ${SE_BPF_GEN_DIR}/vmlinux.h
    COMMENT "Generating vmlinux.h from ${SE_VMLINUX_BTF}"
    VERBATIM)
endif()

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
  if(SE_BPF_MISSING)
    add_custom_command(
      OUTPUT ${obj} ${skel}
      COMMAND ${CMAKE_COMMAND} -E echo "error: ${NAME}.bpf.o cannot be built: ${SE_BPF_MISSING}"
      COMMAND ${CMAKE_COMMAND} -E false
      VERBATIM)
  else()
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
  endif()
  add_custom_target(${NAME}_skel_gen DEPENDS ${skel})
  add_library(${NAME}_skel INTERFACE)
  add_dependencies(${NAME}_skel ${NAME}_skel_gen)
  target_include_directories(${NAME}_skel INTERFACE ${SE_BPF_GEN_DIR} ${CMAKE_SOURCE_DIR}/bpf)
endfunction()
