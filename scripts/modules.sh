#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Print the hvis kernel modules named in Kbuild: the one list every
# installer (dkms.conf, make install/uninstall, debian/rules, hvis.spec,
# scripts/check-packaging.sh) derives from, so adding a module to Kbuild is
# the only change packaging needs.
#
# usage: scripts/modules.sh [-C TOP] [names|locations|sources]
#   names      one module name a line (default)
#   locations  "NAME DIR" a line: DIR holds NAME.ko after the build ("." = TOP)
#   sources    the files, relative to TOP, that building the modules needs
#              (what goes into /usr/src/hvis-VERSION for DKMS)
#
# Kbuild syntax understood: "obj-m += a.o dir/b.o" (also := and =, with
# backslash continuations), "obj-m += dir/" (descends into dir/Kbuild),
# composite objects "a-y := x/f.o ..." or "a-objs", and "-I$(src)/dir"
# include paths. Conditional obj-$(CONFIG_...) lines are not modules hvis
# ships and are ignored.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = -C ]; then
	top=${2:?usage: modules.sh [-C TOP] [names|locations|sources]}
	shift 2
fi
what=${1:-names}

# One logical line per Kbuild statement (continuations joined), comments cut.
kbuild_lines() {	# kbuild_lines FILE
	awk '{ sub(/#.*/, "") }
	     /\\$/ { sub(/\\$/, ""); acc = acc $0 " "; next }
	     { print acc $0; acc = "" }
	     END { if (acc != "") print acc }' "$1"
}

# "NAME DIR" for each obj-m entry of DIR/Kbuild, descending into sub-dirs.
locations() {	# locations DIR ("." for TOP)
	dir=$1
	kb=$top/$dir/Kbuild
	[ -f "$kb" ] || kb=$top/$dir/Makefile
	[ -f "$kb" ] || { echo "modules.sh: no Kbuild in $top/$dir" >&2; exit 1; }
	for tok in $(kbuild_lines "$kb" |
		sed -n 's/^[[:space:]]*obj-m[[:space:]]*[+:]\{0,1\}=//p'); do
		case $tok in
		*/)	sub=${tok%/}
			[ "$dir" = . ] || sub=$dir/$sub
			(locations "$sub") ;;
		*.o)	name=${tok##*/}
			name=${name%.o}
			case $tok in
			*/*) d=${tok%/*}; [ "$dir" = . ] || d=$dir/$d ;;
			*) d=$dir ;;
			esac
			echo "$name $d" ;;
		esac
	done
}

# Directories whose sources the module build reads: object paths and -I$(src).
source_dirs() {	# source_dirs DIR
	dir=$1
	kb=$top/$dir/Kbuild
	[ -f "$kb" ] || kb=$top/$dir/Makefile
	echo "$dir"
	# shellcheck disable=SC2016 # $(src) is Kbuild's, matched literally
	kbuild_lines "$kb" | tr -s ' \t' '\n' | sed -n \
		-e 's|^-I\$(src)/\(.*\)|\1|p' \
		-e 's|^\$(src)/\(.*\)|\1|p' \
		-e 's|^\([A-Za-z0-9_./-]*\)/[A-Za-z0-9_-]*\.o$|\1|p' \
		-e 's|^\([A-Za-z0-9_./-]*\)/$|\1|p' |
	while IFS= read -r d; do
		[ "$dir" = . ] || d=$dir/$d
		if [ "$d" != "$dir" ] && [ -f "$top/$d/Kbuild" ]; then
			(source_dirs "$d")
		else
			echo "$d"
		fi
	done
}

case $what in
names)
	locations . | cut -d' ' -f1 ;;
locations)
	locations . ;;
sources)
	{
		printf '%s\n' Kbuild Makefile dkms.conf scripts/modules.sh
		for d in $(source_dirs . | sort -u); do
			[ "$d" = . ] && continue
			[ -d "$top/$d" ] || continue
			# Sources only: a tree built in place also holds .o/.ko/.cmd.
			(cd "$top" && find "$d" -type f \( -name '*.[chS]' -o -name Kbuild \
				-o -name Makefile -o -name '*.lds' \) ! -name '*.mod.c')
		done
	} | LC_ALL=C sort -u ;;
*)
	echo "usage: modules.sh [-C TOP] [names|locations|sources]" >&2
	exit 2 ;;
esac
