#!/bin/sh
# embed.sh SYMBOL FILE — print a C file defining the bytes of FILE as
#   const char SYMBOL[];          (NUL-terminated)
#   const size_t SYMBOL_len;      (without the NUL)
# so a shipped default (themes/default.yaml) is compiled into docket the way
# tig builds in its tigrc. POSIX sh + od + sed only (xxd is not always there);
# bytes become octal escapes in string literals, which suits any char sign.
set -eu
sym=$1
file=$2
len=$(wc -c <"$file" | tr -d ' ')
echo "/* generated from $file by src/defs/embed.sh; do not edit */"
echo "#include <stddef.h>"
echo "const char $sym[] ="
od -An -v -to1 "$file" | sed -e 's/ *\([0-7][0-7][0-7]\)/\\\1/g' -e 's/^/	"/' -e 's/$/"/'
echo "	\"\";"
echo "const size_t ${sym}_len = $len;"
