#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Packaging checks: DKMS, the Debian and RPM packages, make install, as a
# user would run them on this machine. Prints KTAP, one line per check.
#
# usage: scripts/check-packaging.sh        (as root; `make check-packaging`)
#
# What it does, on a copy of the tree (git's tracked and new files):
#  - installs the packaging tools it lacks (PKGS below) with apt-get;
#  - checks that dkms.conf, the versions and the man page agree with Kbuild,
#    the changelogs and `hvcore --help`, and runs lsvmbus on a fake sysfs;
#  - DKMS: `make install-dkms-src`, `dkms add`, then for every kernel of
#    scripts/kernels.sh `dkms build/install -k`, checks `dkms status`, that
#    `modinfo -k KVER -n` of every module resolves to updates/dkms and that
#    its version sorts above the in-tree module's (dkms skips a module that
#    is "not newer" and still exits 0), boots the e2e guest on the modules
#    DKMS installed (byte-compared with the ones in the guest's initramfs),
#    then `dkms remove -k` and checks the in-tree path is back;
#  - dpkg-buildpackage -us -uc, lintian (no error or warning), apt-get
#    install of the three packages (the dkms hook must build for every
#    kernel), then purge (everything gone, in-tree modules back);
#  - hvis-tools' .deb unpacked into a guest that boots systemd: its udev
#    rule and units must start the daemons (selftests/tools, both kernels);
#  - rpmbuild -bb of hvis.spec (--nodeps: Debian's rpm database does not
#    know the dpkg-installed build dependencies);
#  - make install / make uninstall with DESTDIR.
# The machine is left as it was: whatever this script added to dkms, dpkg
# or /usr/src is removed on exit, also on failure or ^C. Logs go to
# build/packaging/. Exit status 1 when a check is not ok.
#
# The e2e step hands the DKMS-built modules to scripts/e2e.sh through
# HVIS_MODULES_FROM=DIR (the guest loads DIR/NAME.ko instead of the build
# tree's) when e2e.sh knows that variable; otherwise it builds with
# scripts/build-modules.sh into a scratch HVIS_BUILD_DIR and puts the DKMS
# modules over the built ones before e2e.sh runs. Either way the modules in
# the guest's initramfs are compared byte for byte with DKMS's.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=lib/ktap.sh
. "$top/scripts/lib/ktap.sh"
t_start=$(date +%s)

# Packaging tools (scripts/deps.sh has the build and test ones).
PKGS=(dkms dh-dkms debhelper lintian rpm fakeroot dpkg-dev xz-utils cpio)
HVIS_PKGS=(hvis-dkms hvis-tools hvcore)
units_result=()	# set by the .deb install check (section 6)

results=()
result() {	# result ok|"not ok"|skip "description" [diagnostic...]
	local st=$1 desc=$2 d line
	shift 2
	case $st in
	skip) line="ok packaging: $desc # SKIP ${1:-}"; shift $(($# > 0 ? 1 : 0)) ;;
	*) line="$st packaging: $desc" ;;
	esac
	results+=("$line")
	echo "${line%% packaging:*}: ${desc}" >&2
	for d in "$@"; do
		[ -n "$d" ] && results+=("# $d")
	done
}
emit() {
	ktap_print
	echo "# check-packaging: $(( $(date +%s) - t_start )) s wall, logs in build/packaging/"
	ktap_failed && return 1
	return 0
}
skip_rest() {	# skip_rest REASON DESC...: one SKIP line per check not run
	local reason=$1 d
	shift
	for d in "$@"; do result skip "$d" "$reason"; done
}

if [ "$(id -u)" -ne 0 ]; then
	result skip "all checks" "needs root (apt-get, dkms, dpkg)"
	emit
	exit
fi

logdir=$top/build/packaging
mkdir -p "$logdir"
work=$(mktemp -d "${TMPDIR:-/tmp}/hvis-pkg.XXXXXX")
chmod 755 "$work"	# apt's _apt user reads the .debs from here

export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
mapfile -t modules < <(scripts/modules.sh names)
mapfile -t kernels < <(scripts/kernels.sh --images)
srcdir=/usr/src/hvis-$version

# --- cleanup: undo exactly what this run added ---
dkms_added=0 src_added=0 debs_installed=0 mok_added=0
pulled_in=()	# packages the .debs' dependencies brought in
[ -e /var/lib/dkms/mok.key ] || mok_added=1
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ "$debs_installed" = 1 ]; then
		apt-get purge -y -q "${HVIS_PKGS[@]}" "${pulled_in[@]}" >>"$logdir/cleanup.log" 2>&1
	fi
	if [ "$dkms_added" = 1 ] && [ -n "$(dkms status -m hvis -v "$version" 2>/dev/null)" ]; then
		dkms remove -m hvis -v "$version" --all >>"$logdir/cleanup.log" 2>&1
	fi
	[ "$src_added" = 1 ] && rm -rf "$srcdir"
	# dkms makes a module signing key on its first build.
	[ "$mok_added" = 1 ] && rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed'
}
installed_pkgs() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 ~ /^ii/ {print $2}' | sort
}

# A copy of the tree as a release tarball would hold it: no build/, no .git.
stage_tree() {	# stage_tree DEST
	local f
	mkdir -p "$1"
	{
		if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
			git ls-files -co --exclude-standard
		else
			find . -type f ! -path './.git/*' ! -path './build/*' | sed 's|^\./||'
		fi
	} | grep -v '^build/' | while IFS= read -r f; do
		[ -f "$f" ] && install -D -m "$(stat -c %a "$f")" "$f" "$1/$f"
	done
}

# dkms's own comparison (VER() in /usr/sbin/dkms): pad every number to three
# digits, then compare as strings.
dkms_ver() {
	echo "$1" | sed -e 's:\([^0-9]\)\([0-9]\):\1 \2:g' -e 's:\([0-9]\)\([^0-9]\):\1 \2:g' \
		-e 's:\(.*\): \1 :' -e 's: \([0-9]\) : 00\1 :g' \
		-e 's: \([0-9][0-9]\) : 0\1 :g' -e 's: ::g'
}

# --- 1. tools ---
missing=()
for p in "${PKGS[@]}"; do have_pkg "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	echo "== installing ${missing[*]}" >&2
	{ apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
		>"$logdir/apt-tools.log" 2>&1
fi
missing=()
for p in "${PKGS[@]}"; do have_pkg "$p" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
	result ok "tools installed: ${PKGS[*]}"
else
	result "not ok" "tools installed" "missing after apt-get: ${missing[*]} (build/packaging/apt-tools.log)"
fi

# --- 2. one module list ---
if [ ${#modules[@]} -gt 0 ]; then
	result ok "Kbuild names ${#modules[@]} module(s): ${modules[*]}"
else
	result "not ok" "Kbuild names the modules" "scripts/modules.sh printed nothing"
fi
conf_list=$(cd / && bash -c 'kernel_source_dir=/nonexistent; . "$1"; for i in "${!BUILT_MODULE_NAME[@]}"; do
	echo "${BUILT_MODULE_NAME[i]} ${BUILT_MODULE_LOCATION[i]} ${DEST_MODULE_LOCATION[i]}"; done' _ "$top/dkms.conf" 2>&1)
want_list=$(scripts/modules.sh locations | sed 's|$| /updates/dkms|')
if [ -n "$want_list" ] && [ "$conf_list" = "$want_list" ]; then
	result ok "dkms.conf module records match Kbuild"
else
	result "not ok" "dkms.conf module records match Kbuild" \
		"dkms.conf: $(echo "$conf_list" | tr '\n' ';')" "Kbuild: $(echo "$want_list" | tr '\n' ';')"
fi

# --- 3. versions and docs agree ---
deb_version=$(dpkg-parsechangelog -S Version 2>/dev/null)
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' hvis.spec)
if [ -n "$version" ] && [ "$deb_version" = "$version" ] && [ "$spec_version" = "$version" ]; then
	result ok "version $version in dkms.conf, debian/changelog and hvis.spec"
else
	result "not ok" "one version everywhere" \
		"dkms.conf '$version', debian/changelog '$deb_version', hvis.spec '$spec_version'"
fi
if make -s hvcore >"$logdir/hvcore.log" 2>&1; then
	undocumented=()
	for o in $( { hvcore/hvcore run --help; hvcore/hvcore ctl --help; } 2>&1 |
		grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		grep -qF -- "${o//-/\\-}" hvcore/hvcore.1 || undocumented+=("$o")
	done
	if [ ${#undocumented[@]} -eq 0 ]; then
		result ok "hvcore.1 documents every option of hvcore run/ctl --help"
	else
		result "not ok" "hvcore.1 documents every option of hvcore run/ctl --help" \
			"missing: ${undocumented[*]}"
	fi
else
	result "not ok" "hvcore builds (make hvcore)" "$(tail -n 3 "$logdir/hvcore.log" | tr '\n' ' ')"
fi

# --- 4. lsvmbus on a fake sysfs ---
fake=$work/sysfs
mkdev() {	# mkdev GUID RELID CLASS MAPPING
	mkdir -p "$fake/$1"
	echo "$2" >"$fake/$1/id"
	echo "{$3}" >"$fake/$1/class_id"
	echo "{$1}" >"$fake/$1/device_id"
	printf '%b' "$4" >"$fake/$1/channel_vp_mapping"
}
mkdev 8d3e8328-bfdf-4cc9-8274-cc7ebba6e7c2 12 ba6163d9-04a1-4d29-b605-72e2ffb1dc7f '14:1\n12:0\n13:1\n'
mkdev 9a8aba94-6255-4ae6-a83b-192c0a7b25a8 2 2475eb87-34b6-4e3b-b993-1f47d2db1cd0 '2:0\n'
mkdev 07fddf8a-624e-4f7f-82dd-9150665b07ae 1 00000000-0000-0000-0000-000000000001 '1:1\n'
got=$(tools/lsvmbus --sysfs "$fake"; tools/lsvmbus -vv --sysfs "$fake" | sed -n '/^VMBUS ID 12/,$p')
want="VMBUS ID  1: Unknown
VMBUS ID  2: [hvis echo test device]
VMBUS ID 12: Synthetic SCSI Controller
VMBUS ID 12: Class_ID = {ba6163d9-04a1-4d29-b605-72e2ffb1dc7f} - Synthetic SCSI Controller
	Device_ID = {8d3e8328-bfdf-4cc9-8274-cc7ebba6e7c2}
	Sysfs path: $fake/8d3e8328-bfdf-4cc9-8274-cc7ebba6e7c2
	Rel_ID=12, target_cpu=0
	Rel_ID=13, target_cpu=1
	Rel_ID=14, target_cpu=1"
if [ "$got" = "$want" ]; then
	result ok "lsvmbus lists a fake sysfs in relid order with class names"
else
	result "not ok" "lsvmbus lists a fake sysfs in relid order with class names" \
		"got: $(echo "$got" | tr '\n\t' '| ')"
fi

# --- 5. DKMS from the source tree ---
dkms_descs=()
for k in "${kernels[@]}"; do
	dkms_descs+=("dkms build+install -k $k" "dkms modules of $k are loaded from updates/dkms"
		"e2e $k on the DKMS-built modules" "dkms remove -k $k restores the in-tree modules")
done
stage=$work/tree/hvis-$version
stage_tree "$stage"
if [ -n "$(dkms status -m hvis 2>/dev/null)" ] || [ -e "$srcdir" ] ||
	have_pkg hvis-dkms; then
	skip_rest "hvis is already in dkms or $srcdir here: not touching it" \
		"dkms add" "${dkms_descs[@]}"
else
	echo "== dkms add" >&2
	src_added=1
	if make -s -C "$stage" install-dkms-src >"$logdir/dkms-add.log" 2>&1 &&
		dkms add -m hvis -v "$version" >>"$logdir/dkms-add.log" 2>&1; then
		dkms_added=1
		st=$(dkms status -m hvis -v "$version")
		if [ "$st" = "hvis/$version: added" ]; then
			result ok "dkms add hvis/$version" "$st"
		else
			result "not ok" "dkms add hvis/$version" "dkms status: $st"
		fi
	else
		result "not ok" "dkms add hvis/$version" "$(tail -n 3 "$logdir/dkms-add.log" | tr '\n' ' ')"
		skip_rest "dkms add failed" "${dkms_descs[@]}"
	fi
fi

arch=$(uname -m)
modinfo_paths() {	# modinfo_paths KVER: "name path" for every module
	local m
	for m in "${modules[@]}"; do
		echo "$m $(modinfo -k "$1" -n "$m" 2>/dev/null || echo none)"
	done
}
intree_paths() {	# intree_paths KVER: "name path" of the kernel's own copies
	local m f
	for m in "${modules[@]}"; do
		# In-tree file names may use '-' where the module name has '_'.
		f=$(find "/lib/modules/$1/kernel" \( -name "$m.ko*" -o -name "${m//_/-}.ko*" \) \
			2>/dev/null | head -n 1)
		echo "$m ${f:-none}"
	done
}

# The kernel's own modules that use hv_vmbus and that hvis does not replace
# load next to hvis's hv_vmbus only if the symbol CRCs they were linked with
# match hvis's exports (CONFIG_MODVERSIONS). Prints "NAME(mismatched/used)"
# for each one that would be refused; a diagnostic, not a check (yet).
crc_gaps() {	# crc_gaps KVER MODULE.SYMVERS
	local k=$1 symvers=$2 path name used bad
	[ -f "$symvers" ] || { echo "no Module.symvers to compare"; return; }
	awk -F: '$1 ~ /^kernel\// && $0 ~ /hv_vmbus\.ko/ {print $1}' "/lib/modules/$k/modules.dep" |
	while IFS= read -r path; do
		name=${path##*/}
		name=${name%%.ko*}
		name=${name//-/_}
		[ "$name" = hv_vmbus ] && continue
		printf '%s\n' "${modules[@]}" | grep -qx "$name" && continue
		read -r used bad < <(modprobe --dump-modversions "/lib/modules/$k/$path" 2>/dev/null |
			awk 'NR == FNR { if ($3 ~ /hv_vmbus$/) crc[$2] = $1; next }
			     ($2 in crc) { u++; if (crc[$2] != $1) b++ }
			     END { print u + 0, b + 0 }' "$symvers" -)
		[ "$bad" = 0 ] || printf '%s(%s/%s) ' "$name" "$bad" "$used"
	done
}

e2e_dkms() {	# e2e_dkms KVER: the e2e tier on the modules DKMS installed
	local k=$1
	local kodir=$work/dkms-ko/$k e2e=$work/e2e m f dir hook log
	local compared=() differ=() okn notokn gaps
	log=$logdir/e2e-$k.log
	mkdir -p "$kodir"
	for m in "${modules[@]}"; do
		f=$(find /lib/modules/"$k"/updates/dkms -name "$m.ko*" 2>/dev/null | head -n 1)
		case $f in
		*.xz) xz -dc "$f" ;; *.zst) zstd -dcq "$f" ;; *.gz) gzip -dc "$f" ;;
		*) cat "$f" ;;
		esac >"$kodir/$m.ko" 2>/dev/null
	done
	if grep -q HVIS_MODULES_FROM scripts/e2e.sh; then
		hook="HVIS_MODULES_FROM=$kodir"
		HVIS_BUILD_DIR=$e2e HVIS_MODULES_FROM=$kodir scripts/e2e.sh "$k" >"$log" 2>&1 </dev/null
	else
		hook="DKMS modules put over a scratch build (e2e.sh has no HVIS_MODULES_FROM)"
		HVIS_BUILD_DIR=$e2e scripts/build-modules.sh "$k" >"$log" 2>&1
		while read -r m dir; do
			cp "$kodir/$m.ko" "$e2e/$k/src/$dir/$m.ko"
		done < <(scripts/modules.sh locations)
		HVIS_BUILD_DIR=$e2e scripts/e2e.sh "$k" >>"$log" 2>&1 </dev/null
	fi
	local rc=$?
	# Which modules did the guest get? Open every initramfs the run made.
	local img
	while IFS= read -r img; do
		rm -rf "$work/initrd" && mkdir -p "$work/initrd"
		(cd "$work/initrd" && zcat "$img" | cpio -id --quiet 2>/dev/null)
		for m in "${modules[@]}"; do
			f=$(find "$work/initrd/lib/modules" -name "$m.ko" 2>/dev/null | head -n 1)
			[ -n "$f" ] || continue
			compared+=("$m")
			cmp -s "$f" "$kodir/$m.ko" || differ+=("$m")
		done
	done < <(find "$e2e/$k" -name '*.cpio.gz' 2>/dev/null)
	okn=$(grep -cE '^ok [0-9]+' "$log")
	notokn=$(grep -cE '^not ok [0-9]+' "$log")
	if [ "$rc" = 0 ] && [ "$notokn" = 0 ] && [ "$okn" -gt 0 ] &&
		[ ${#differ[@]} -eq 0 ] && printf '%s\n' "${compared[@]}" | grep -qx hv_vmbus; then
		gaps=$(crc_gaps "$k" "$e2e/$k/src/Module.symvers")
		result ok "e2e $k on the DKMS-built modules: $okn ok" \
			"in-tree users of hv_vmbus that would not load (symbol CRCs differ, mismatched/used): ${gaps:-none}" \
			"guest modules identical to updates/dkms: $(printf '%s\n' "${compared[@]}" |
				sort | uniq -c | awk '{printf "%s%s (%s initramfs)", s, $2, $1; s=", "}')" \
			"via $hook"
	else
		result "not ok" "e2e $k on the DKMS-built modules" \
			"e2e.sh exit $rc, $okn ok, $notokn not ok (build/packaging/e2e-$k.log)" \
			"$(grep -E '^not ok' "$log" | head -n 3 | tr '\n' '|')" \
			"compared: ${compared[*]:-none}; differ from DKMS: ${differ[*]:-none}" "via $hook"
	fi
}

if [ "$dkms_added" = 1 ]; then
	for k in "${kernels[@]}"; do
		case $k in *" missing")
			result "not ok" "dkms -k ${k% missing}: no kernel image and headers for the series"
			continue ;;
		esac
		echo "== dkms build/install -k $k" >&2
		dlog=$logdir/dkms-$k.log
		dkms build -m hvis -v "$version" -k "$k" >"$dlog" 2>&1
		dkms install -m hvis -v "$version" -k "$k" >>"$dlog" 2>&1
		irc=$?
		st=$(dkms status -m hvis -v "$version" -k "$k")
		if [ "$irc" = 0 ] && [ "$st" = "hvis/$version, $k, $arch: installed" ] &&
			! grep -qE 'not newer|will not replace|Error!' "$dlog"; then
			result ok "dkms build+install -k $k" "$st"
		else
			result "not ok" "dkms build+install -k $k" "exit $irc; dkms status: $st" \
				"$(grep -E 'not newer|will not replace|Error!' "$dlog" | head -n 2 | tr '\n' ' ')"
		fi
		bad=() vers=()
		while read -r m path; do
			case $path in /lib/modules/"$k"/updates/dkms/"$m".ko*) ;; *) bad+=("$m -> $path") ;; esac
			ours=$(modinfo -k "$k" -F version "$m" 2>/dev/null)
			theirs=$(modinfo -F version "$(intree_paths "$k" | awk -v m="$m" '$1 == m {print $2}')" 2>/dev/null)
			vers+=("$m ${ours:-none} (in-tree ${theirs:-none})")
			if [ -z "$ours" ]; then
				bad+=("$m has no MODULE_VERSION: dkms would call it equal to an unversioned in-tree module")
			elif [ -n "$theirs" ] && ! [[ "$(dkms_ver "$ours")" > "$(dkms_ver "$theirs")" ]]; then
				bad+=("$m version $ours does not sort above in-tree $theirs")
			fi
		done < <(modinfo_paths "$k")
		if [ ${#bad[@]} -eq 0 ]; then
			result ok "dkms modules of $k are loaded from updates/dkms" \
				"$(modinfo_paths "$k" | tr '\n' ';')" "versions: ${vers[*]}"
		else
			result "not ok" "dkms modules of $k are loaded from updates/dkms" "${bad[@]}"
		fi
		echo "== e2e $k on the DKMS modules" >&2
		e2e_dkms "$k"
		echo "== dkms remove -k $k" >&2
		dkms remove -m hvis -v "$version" -k "$k" >>"$dlog" 2>&1
		rrc=$?
		st=$(dkms status -m hvis -v "$version" -k "$k")
		bad=()
		while read -r m path; do
			want=$(intree_paths "$k" | awk -v m="$m" '$1 == m {print $2}')
			[ "$path" = "$want" ] || bad+=("$m -> $path (in-tree: $want)")
		done < <(modinfo_paths "$k")
		if [ "$rrc" = 0 ] && [ -z "$st" ] && [ ${#bad[@]} -eq 0 ] &&
			! ls /lib/modules/"$k"/updates/dkms/hv_vmbus.ko* >/dev/null 2>&1; then
			result ok "dkms remove -k $k restores the in-tree modules" "$(modinfo_paths "$k" | tr '\n' ';')"
		else
			result "not ok" "dkms remove -k $k restores the in-tree modules" \
				"exit $rrc; dkms status: '$st'" "${bad[@]}"
		fi
	done
	dkms remove -m hvis -v "$version" --all >>"$logdir/dkms-add.log" 2>&1
	rm -rf "$srcdir"
	if [ -z "$(dkms status -m hvis)" ] && [ ! -e "$srcdir" ]; then
		dkms_added=0 src_added=0
	fi
fi

# --- 6. Debian packages ---
deb_descs=("lintian: no errors or warnings" "install hvis-dkms hvis-tools hvcore"
	"purge hvis-dkms hvis-tools hvcore")
echo "== dpkg-buildpackage" >&2
debtree=$work/deb/hvis-$version
stage_tree "$debtree"
if (cd "$debtree" && dpkg-buildpackage -us -uc) >"$logdir/dpkg-buildpackage.log" 2>&1; then
	mapfile -t debs < <(cd "$work/deb" && ls hvis-dkms_"$version"_all.deb \
		hvis-tools_"$version"_*.deb hvcore_"$version"_*.deb 2>/dev/null)
	if [ ${#debs[@]} -eq 3 ]; then
		result ok "dpkg-buildpackage -us -uc builds hvis-dkms, hvis-tools, hvcore" "${debs[*]}"
	else
		result "not ok" "dpkg-buildpackage -us -uc builds hvis-dkms, hvis-tools, hvcore" \
			"found: $(cd "$work/deb" && echo ./*.deb)"
	fi
	lintian --fail-on error,warning "$work/deb/hvis_${version}_"*.changes \
		>"$logdir/lintian.log" 2>&1
	lrc=$?
	tags=$(grep -E '^[EW]: ' "$logdir/lintian.log")
	if [ "$lrc" = 0 ] && [ -z "$tags" ]; then
		result ok "lintian: no errors or warnings" \
			"$(grep -cE '^[IPX]: ' "$logdir/lintian.log") info/pedantic/experimental tags (build/packaging/lintian.log)"
	else
		result "not ok" "lintian: no errors or warnings" "exit $lrc" \
			"$(echo "$tags" | head -n 5 | tr '\n' '|')"
	fi
	if have_pkg hvis-dkms || have_pkg hvis-tools || have_pkg hvcore; then
		skip_rest "hvis packages already installed here: not touching them" "${deb_descs[@]:1}"
	elif [ -n "$(dkms status -m hvis 2>/dev/null)" ]; then
		skip_rest "hvis is in dkms already" "${deb_descs[@]:1}"
	else
		echo "== apt-get install the .debs" >&2
		installed_pkgs >"$work/pkgs-before"
		debs_installed=1
		(cd "$work/deb" && apt-get install -y -q --no-install-recommends \
			"${debs[@]/#/./}") >"$logdir/deb-install.log" 2>&1
		arc=$?
		mapfile -t pulled_in < <(installed_pkgs | comm -13 "$work/pkgs-before" - |
			grep -vxF -f <(printf '%s\n' "${HVIS_PKGS[@]}"))
		bad=()
		for k in "${kernels[@]}"; do
			[[ $k == *" missing" ]] && continue
			st=$(dkms status -m hvis -v "$version" -k "$k")
			[ "$st" = "hvis/$version, $k, $arch: installed" ] || bad+=("dkms status -k $k: '$st'")
			while read -r m path; do
				case $path in /lib/modules/"$k"/updates/dkms/*) ;; *) bad+=("$k: $m -> $path") ;; esac
			done < <(modinfo_paths "$k")
		done
		for p in "${HVIS_PKGS[@]}"; do have_pkg "$p" || bad+=("$p not installed"); done
		command -v hvcore >/dev/null && hvcore help >/dev/null 2>&1 || bad+=("hvcore help failed")
		for f in /usr/sbin/lsvmbus /usr/sbin/hvis_kvp_daemon /usr/sbin/hvis_vss_daemon; do
			[ -x "$f" ] || bad+=("no $f")
		done
		/usr/sbin/hvis_kvp_daemon --version >/dev/null 2>&1 || bad+=("hvis_kvp_daemon --version failed")
		# The units as installed: systemd-analyze checks them against the
		# installed daemons and man pages; the rule must want them.
		units=(/lib/systemd/system/hvis-kvp-daemon.service /lib/systemd/system/hvis-vss-daemon.service)
		rule=/lib/udev/rules.d/70-hvis-daemons.rules
		if ! command -v systemd-analyze >/dev/null; then
			units_result=(skip "systemd-analyze missing here")
		elif systemd-analyze verify "${units[@]}" >"$logdir/systemd-analyze.log" 2>&1 &&
			grep -q 'KERNEL=="vmbus/hv_kvp".*SYSTEMD_WANTS}="hvis-kvp-daemon.service"' "$rule" &&
			grep -q 'KERNEL=="vmbus/hv_vss".*SYSTEMD_WANTS}="hvis-vss-daemon.service"' "$rule"; then
			units_result=(ok "${units[*]##*/} verified; $rule wants them for /dev/vmbus/hv_kvp and hv_vss")
		else
			units_result=("not ok" "$(head -n 3 "$logdir/systemd-analyze.log" | tr '\n' '|')")
		fi
		[ -f /etc/modprobe.d/hvis.conf ] || bad+=("no /etc/modprobe.d/hvis.conf")
		if [ "$arc" = 0 ] && [ ${#bad[@]} -eq 0 ]; then
			result ok "install hvis-dkms hvis-tools hvcore" \
				"$(dkms status -m hvis | tr '\n' ';')"
		else
			result "not ok" "install hvis-dkms hvis-tools hvcore" "apt-get exit $arc" "${bad[@]}"
		fi
		echo "== apt-get purge" >&2
		apt-get purge -y -q "${HVIS_PKGS[@]}" "${pulled_in[@]}" >"$logdir/deb-purge.log" 2>&1
		prc=$?
		bad=()
		for p in "${HVIS_PKGS[@]}"; do
			dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^[pu]n' ||
				[ -z "$(dpkg-query -W "$p" 2>/dev/null)" ] || bad+=("$p still known to dpkg")
		done
		[ -z "$(dkms status -m hvis)" ] || bad+=("dkms status: $(dkms status -m hvis | tr '\n' ' ')")
		for f in "$srcdir" /etc/modprobe.d/hvis.conf /usr/bin/hvcore /usr/sbin/lsvmbus; do
			[ ! -e "$f" ] || bad+=("$f left behind")
		done
		for k in "${kernels[@]}"; do
			[[ $k == *" missing" ]] && continue
			while read -r m path; do
				want=$(intree_paths "$k" | awk -v m="$m" '$1 == m {print $2}')
				[ "$path" = "$want" ] || bad+=("$k: $m -> $path (in-tree: $want)")
			done < <(modinfo_paths "$k")
		done
		if [ "$prc" = 0 ] && [ ${#bad[@]} -eq 0 ]; then
			result ok "purge hvis-dkms hvis-tools hvcore" "dkms status empty, in-tree modules back"
			debs_installed=0
		else
			result "not ok" "purge hvis-dkms hvis-tools hvcore" "apt-get exit $prc" "${bad[@]}"
		fi
	fi
else
	result "not ok" "dpkg-buildpackage -us -uc builds hvis-dkms, hvis-tools, hvcore" \
		"$(tail -n 4 "$logdir/dpkg-buildpackage.log" | tr '\n' '|')"
	skip_rest "no .debs" "${deb_descs[@]}"
fi

# --- 6b. hvis-tools in a guest that boots systemd (selftests/tools) ---
# The package's rule and units, installed in the guest's root, must start
# hvis's daemons when hv_utils creates /dev/vmbus/hv_kvp and hv_vss.
tools_deb=$(ls "$work/deb/hvis-tools_${version}_"*.deb 2>/dev/null | head -n 1)
for k in "${kernels[@]}"; do
	[[ $k == *" missing" ]] && continue
	desc="hvis-tools in a systemd guest on $k: its udev rule starts the daemons"
	if [ -z "$tools_deb" ]; then
		result "not ok" "$desc" "no hvis-tools .deb was built (see dpkg-buildpackage above)"
		continue
	fi
	echo "== e2e tools $k" >&2
	log=$logdir/tools-$k.log
	HVIS_BUILD_DIR=$work/e2e HVIS_TOOLS_DEB=$tools_deb scripts/e2e.sh "$k" tools \
		>"$log" 2>&1 </dev/null
	rc=$?
	okn=$(grep -cE '^ok [0-9]+' "$log")
	notokn=$(grep -cE '^not ok [0-9]+' "$log")
	if [ "$rc" = 0 ] && [ "$notokn" = 0 ] && [ "$okn" -gt 0 ]; then
		result ok "$desc: $okn ok" \
			"$(grep -m1 -E "^ok .*rule started hvis-kvp" "$log" | sed -E 's/^ok [0-9]+ e2e //')" \
			"$(grep -m1 -E "^ok .*appeared" "$log" | sed -E 's/^ok [0-9]+ e2e //')"
	else
		result "not ok" "$desc" "e2e.sh exit $rc, $okn ok, $notokn not ok (build/packaging/tools-$k.log)" \
			"$(grep -E '^not ok' "$log" | head -n 3 | tr '\n' '|')"
	fi
done

# --- 7. RPM ---
echo "== rpmbuild" >&2
rpmtop=$work/rpm
mkdir -p "$rpmtop/SOURCES"
stage_tree "$work/rpmsrc/hvis-$version"
tar czf "$rpmtop/SOURCES/hvis-$version.tar.gz" -C "$work/rpmsrc" "hvis-$version"
if rpmbuild -bb --nodeps --define "_topdir $rpmtop" hvis.spec >"$logdir/rpmbuild.log" 2>&1; then
	bad=()
	for r in "noarch/hvis-dkms-$version-1.noarch.rpm:$srcdir/dkms.conf" \
		"$arch/hvis-tools-$version-1.$arch.rpm:/usr/sbin/hvis_kvp_daemon" \
		"$arch/hvcore-$version-1.$arch.rpm:/usr/bin/hvcore"; do
		f=$rpmtop/RPMS/${r%%:*}
		if [ ! -f "$f" ]; then
			bad+=("no ${r%%:*}")
		elif ! rpm -qlp "$f" 2>/dev/null | grep -qx "${r#*:}"; then
			bad+=("${r%%:*} lacks ${r#*:}")
		fi
	done
	if [ ${#bad[@]} -eq 0 ]; then
		result ok "rpmbuild -bb hvis.spec: hvis-dkms, hvis-tools, hvcore" \
			"$(cd "$rpmtop/RPMS" && echo ./*/*.rpm)"
	else
		result "not ok" "rpmbuild -bb hvis.spec: hvis-dkms, hvis-tools, hvcore" "${bad[@]}"
	fi
else
	result "not ok" "rpmbuild -bb hvis.spec" "$(grep -E 'error' "$logdir/rpmbuild.log" | head -n 3 | tr '\n' '|')"
fi

# --- 8. make install / uninstall ---
k=""
for k in "${kernels[@]}"; do [[ $k == *" missing" ]] || break; done
if [ -z "$k" ] || [[ $k == *" missing" ]]; then
	skip_rest "no kernel headers" "make install DESTDIR" "make uninstall DESTDIR"
else
	echo "== make install DESTDIR (KDIR for $k)" >&2
	dest=$work/destdir
	if make -C "$stage" install DESTDIR="$dest" KDIR="/lib/modules/$k/build" \
		>"$logdir/make-install.log" 2>&1; then
		bad=()
		for f in usr/local/bin/hvcore usr/local/sbin/lsvmbus usr/local/share/man/man1/hvcore.1 \
			usr/local/share/man/man8/lsvmbus.8 etc/modprobe.d/hvis.conf \
			usr/local/sbin/hvis_kvp_daemon usr/local/sbin/hvis_vss_daemon \
			lib/systemd/system/hvis-kvp-daemon.service lib/udev/rules.d/70-hvis-daemons.rules \
			$(printf "lib/modules/$k/updates/hvis/%s.ko " "${modules[@]}"); do
			[ -f "$dest/$f" ] || bad+=("missing $f")
		done
		if [ ${#bad[@]} -eq 0 ]; then
			result ok "make install DESTDIR: $(find "$dest" -type f | wc -l) files"
		else
			result "not ok" "make install DESTDIR" "${bad[@]}"
		fi
	else
		result "not ok" "make install DESTDIR" "$(tail -n 3 "$logdir/make-install.log" | tr '\n' '|')"
	fi
	if make -C "$stage" uninstall DESTDIR="$dest" KDIR="/lib/modules/$k/build" \
		>"$logdir/make-uninstall.log" 2>&1 && [ -z "$(find "$dest" -type f 2>/dev/null)" ]; then
		result ok "make uninstall DESTDIR: no file left"
	else
		result "not ok" "make uninstall DESTDIR" "left: $(find "$dest" -type f | tr '\n' ' ')"
	fi
fi

# --- 9. hvis-tools' units and udev rule, checked while the .debs were installed ---
if [ ${#units_result[@]} -eq 0 ]; then
	result skip "systemd units and udev rules pass systemd-analyze verify" \
		"the .debs were not installed here (see above)"
elif [ "${units_result[0]}" = skip ]; then
	result skip "systemd units and udev rules pass systemd-analyze verify" "${units_result[1]}"
else
	result "${units_result[0]}" "systemd units and udev rules pass systemd-analyze verify" \
		"${units_result[1]}"
fi

emit
exit
