# SPDX-License-Identifier: Apache-2.0
# krayctl_embed(OUTPUT out.cpp NAMESPACE ns FILES a.yaml b.json ...)
# Generates a .cpp that defines, in namespace `ns`, a table of
# {name, contents} for each file, so that the binary needs no data files at
# run time (ninja's src/inline.sh does the same for browse.py).
function(krayctl_embed)
  cmake_parse_arguments(E "" "OUTPUT;NAMESPACE" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT "${E_OUTPUT}"
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${E_OUTPUT} -DNAMESPACE=${E_NAMESPACE}
            "-DFILES=${E_FILES}" -P "${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake"
    DEPENDS ${E_FILES} "${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake"
    COMMENT "Embedding ${E_NAMESPACE} data"
    VERBATIM)
endfunction()
