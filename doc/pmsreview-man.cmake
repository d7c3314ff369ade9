# Build step (cmake -P): the man page pmsreview.1 from the built binary's --help.
#   cmake -DPMS_BIN=build/pmsreview -DHELP2MAN=/usr/bin/help2man
#         -DH2M=doc/pmsreview.h2m -DOUT=build/pmsreview.1 -P doc/pmsreview-man.cmake
# help2man turns `pmsreview --help` and `--version` into NAME, SYNOPSIS and
# DESCRIPTION.  Each subcommand's own --help becomes a subsection of SUBCOMMANDS,
# so a new subcommand or option appears in the man page without editing it; the
# hand-written sections (FILES, ENVIRONMENT, EXIT STATUS, EXAMPLES) come from H2M.
foreach(v PMS_BIN HELP2MAN H2M OUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "pmsreview-man.cmake: -D${v}=... is required")
  endif()
endforeach()
set(ENV{LC_ALL} C)

execute_process(COMMAND ${PMS_BIN} --help OUTPUT_VARIABLE main_help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PMS_BIN} --help failed (${rc})")
endif()

# The subcommands are the indented words under "Subcommands:" in the main --help.
string(REGEX REPLACE ".*\nSubcommands:\n" "" listing "${main_help}")
string(REGEX REPLACE "\n\n.*" "" listing "${listing}")
# (Line by line: in MATCHALL, CMake's ^ also matches where the previous match ended.)
string(REPLACE "\n" ";" lines "${listing}")
set(names "")
foreach(line ${lines})
  if(line MATCHES "^  ([a-z][a-z0-9-]*)  ")
    list(APPEND names ${CMAKE_MATCH_1})
  endif()
endforeach()
if(NOT names)
  message(FATAL_ERROR "no subcommands found in '${PMS_BIN} --help'")
endif()

set(gen "[SUBCOMMANDS]\nEach subcommand's options, as its \\fB\\-\\-help\\fR prints them.\n")
foreach(n ${names})
  execute_process(COMMAND ${PMS_BIN} ${n} --help OUTPUT_VARIABLE h RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PMS_BIN} ${n} --help failed (${rc})")
  endif()
  # Verbatim text into roff: backslash first, then hyphens (so that options
  # copy and paste as ASCII), then protect lines starting with a control character.
  string(REPLACE "\\" "\\e" h "${h}")
  string(REPLACE "-" "\\-" h "${h}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" h "${h}")
  string(APPEND gen ".SS \"pmsreview ${n}\"\n.nf\n${h}.fi\n")
endforeach()

file(READ ${H2M} static)
get_filename_component(outdir ${OUT} DIRECTORY)
set(include ${outdir}/pmsreview-man.h2m)
file(WRITE ${include} "${static}\n${gen}")
execute_process(COMMAND ${HELP2MAN} --no-info --section=1
                        "--name=statistics for reviewing how English GP practices are funded"
                        --include=${include} --output=${OUT} ${PMS_BIN}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed (${rc})")
endif()
