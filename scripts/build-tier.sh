#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build tier: the modules with W=1 against each supported kernel's headers.
#
# usage: scripts/build-tier.sh
#
# Builds every release scripts/kernels.sh names, all at once (each in its own
# build/RELEASE, see build-modules.sh), from clean so that every warning shows.
# Prints KTAP, two results per release: ok when the hvis modules and the guest
# test modules built with no warning; not ok otherwise, quoting the first
# warnings or errors as `# ` diagnostics. Then ok when every hv_vmbus export
# the kernel's own hv_vmbus also has carries the same modversions CRC
# (scripts/check-crcs.sh), so Debian's prebuilt hv_netvsc, hv_sock, ... load
# on hvis's hv_vmbus; not ok naming the symbols that differ. A series whose
# headers are missing is not ok too (deps.sh installs them). Exit status 0
# when all are ok.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${HVIS_BUILD_DIR:-$top/build}
mapfile -t rels < <("$top/scripts/kernels.sh")

declare -A pid
for r in "${rels[@]}"; do
	case $r in *" missing") continue ;; esac
	mkdir -p "$bdir/$r"
	# Split the cores between the builds that run together.
	HVIS_JOBS=$(( ($(nproc) + ${#rels[@]} - 1) / ${#rels[@]} )) \
		"$top/scripts/build-modules.sh" --clean "$r" 2>"$bdir/$r/build-tier.err" &
	pid[$r]=$!
done

echo "KTAP version 1"
echo "1..$((2 * ${#rels[@]}))"
n=0 fail=0
for r in "${rels[@]}"; do
	n=$((n + 1))
	case $r in *" missing")
		echo "not ok $n build ${r% missing}: no kernel headers installed (run scripts/deps.sh)"
		n=$((n + 1))
		echo "not ok $n build ${r% missing}: hv_vmbus CRCs not checked: no kernel headers"
		fail=1
		continue ;;
	esac
	wait "${pid[$r]}"
	rc=$?
	logs=("$bdir/$r/modules.log" "$bdir/$r/selftests.log")
	# Compiler and modpost warnings; "Skipping BTF generation" is not one.
	warn=$(cat "${logs[@]}" 2>/dev/null | grep -E 'warning:|WARNING:|error:|ERROR:|\*\*\*|Module.symvers missing' | head -n 8)
	nwarn=$(cat "${logs[@]}" 2>/dev/null | grep -cE '(warning|WARNING):')
	kos=$(cd "$bdir/$r/src" 2>/dev/null && find . -name '*.ko' | sed 's|^\./||' | LC_ALL=C sort | tr "\n" " " | sed "s/ $//")
	if [ "$rc" = 0 ] && [ "$nwarn" = 0 ]; then
		echo "ok $n build $r: W=1, 0 warnings: ${kos:-no modules}"
	else
		fail=1
		if [ "$rc" != 0 ]; then
			echo "not ok $n build $r: build failed (exit $rc), $nwarn warnings"
		else
			echo "not ok $n build $r: $nwarn warnings with W=1"
		fi
		{
			[ -n "$warn" ] && echo "$warn"
			[ -z "$warn" ] && tail -n 5 "$bdir/$r/build-tier.err" "${logs[@]}" 2>/dev/null
		} | sed "s|$bdir/$r/src/||g; s/^/# /"
	fi

	n=$((n + 1))
	crcs=$(HVIS_BUILD_DIR=$bdir "$top/scripts/check-crcs.sh" "$r" 2>&1)
	rc=$?
	total=$(echo "$crcs" | grep -cE '^(ok|not ok) ')
	bad=$(echo "$crcs" | grep -E '^not ok ' | sed 's/^not ok [0-9]* //')
	if [ "$rc" = 0 ]; then
		echo "ok $n build $r: hv_vmbus exports carry the in-tree CRCs ($total of $total)"
	elif [ "$rc" = 2 ]; then
		fail=1
		echo "not ok $n build $r: hv_vmbus CRCs not checked: Module.symvers missing"
		echo "$crcs" | head -n 4 | sed "s/^/# /"
	elif [ "$total" = 0 ]; then
		fail=1
		echo "not ok $n build $r: hvis's hv_vmbus exports nothing the kernel's hv_vmbus does"
	else
		fail=1
		echo "not ok $n build $r: $(echo "$bad" | grep -c .) of $total hv_vmbus exports differ from the in-tree CRCs (Debian's modules will not load)"
		echo "$bad" | head -n 8 | sed "s/^/# /"
	fi
done
exit $fail
