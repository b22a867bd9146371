#!/bin/bash
# The upgrade wipes, for real, inside a private mount namespace (HooksNamespaceTests runs it as
#   unshare --mount --propagation private bash hooks-namespace.sh WORK SCENARIO).
# Every folder these scenarios write (the OS bundle and its sources, the hook folders, dpkg's and
# APT's state, /var/log, /opt for the test "JDK", /var/lib/certheal for the system ledger) is an
# overlay whose upper layer is in WORK: the machine's own files are only ever read, and the mounts
# vanish with this namespace. Each step prints `STEP name value` lines the test asserts on.
# WORK holds root.pem (a lab root), FINGERPRINT (its SHA-256) and, for the JDK scenario,
# jdk1.deb and jdk2.deb; $CERTHEAL_DLL is the built certheal.dll.
set -euo pipefail
work=$1
scenario=$2
n=0
for dir in /etc/ssl /etc/ca-certificates /etc/apt /usr/local/share/ca-certificates /var/lib /var/cache/apt /var/log /opt; do
    n=$((n + 1))
    mkdir -p "$work/overlay/$n/upper" "$work/overlay/$n/work"
    mount -t overlay "overlay$n" -o "lowerdir=$dir,upperdir=$work/overlay/$n/upper,workdir=$work/overlay/$n/work" "$dir"
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
ledger=/var/lib/certheal/ledger.json
bundle=/etc/ssl/certs/ca-certificates.crt
fingerprint=$(cat "$work/FINGERPRINT")
certheal() { timeout 120 dotnet "$CERTHEAL_DLL" "$@"; }
count() { grep -c 'BEGIN CERTIFICATE' "$bundle"; }
# The root is in the bundle when a line of its base64 is (update-ca-certificates copies sources as they are).
has_root() { if grep -qF "$(sed -n 2p "$work/root.pem")" "$bundle"; then echo yes; else echo no; fi; }
step() { echo "STEP $1 $2"; }

# A stand-in JDK package whose lib/security/cacerts is its own file (one vendor root), as a real
# JDK's is: each version's install replaces it, which is the wipe the DPkg::Post-Invoke hook heals.
build_jdk() {
    local version=$1 pkg="$work/jdk-$1"
    mkdir -p "$pkg/DEBIAN" "$pkg/opt/certheal-test-jdk/lib/security"
    if [ ! -f "$work/vendor.pem" ]; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/vendor.key" -out "$work/vendor.pem" -days 3650 \
            -subj "/CN=CertHeal Test JDK Vendor Root/O=CertHeal Lab" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    fi
    keytool -importcert -noprompt -alias vendorroot -file "$work/vendor.pem" -keystore "$pkg/opt/certheal-test-jdk/lib/security/cacerts" \
        -storetype JKS -storepass changeit >/dev/null 2>&1
    printf 'Package: certheal-test-jdk\nVersion: %s\nArchitecture: all\nMaintainer: CertHeal tests <tests@certheal.invalid>\nDescription: a JDK stand-in for the upgrade-hook tests\n' "$version" > "$pkg/DEBIAN/control"
    dpkg-deb --root-owner-group --build "$pkg" "$work/jdk$version.deb" >/dev/null
}

case $scenario in
bundle)
    step base-count "$(count)"
    # The old way: a root patched into the generated bundle, as admins do with cat >>.
    cat "$work/root.pem" >> "$bundle"
    step patched-count "$(count)"
    update-ca-certificates >/dev/null 2>&1
    step after-update-count "$(count)"
    step after-update-has-root "$(has_root)"
    # The Debian way, no hook: the source survives even --fresh.
    certheal merge "$bundle" "$work/root.pem" --policy Pinned --trusted-fingerprint "$fingerprint" --ledger "$ledger" --json > "$work/merge.json"
    step merge-exit $?
    step merge-count "$(count)"
    step source-files "$(ls /usr/local/share/ca-certificates/certheal | tr '\n' ' ')"
    before=$(stat -c %y "$bundle" /usr/local/share/ca-certificates/certheal/*.crt | tr '\n' ' ')
    certheal merge "$bundle" "$work/root.pem" --policy Pinned --trusted-fingerprint "$fingerprint" --ledger "$ledger" --json > "$work/remerge.json"
    step remerge-changed "$(grep -o '"Changed": *[a-z]*' "$work/remerge.json" | head -1 | tr -d ' "')"
    step remerge-untouched "$( [ "$before" = "$(stat -c %y "$bundle" /usr/local/share/ca-certificates/certheal/*.crt | tr '\n' ' ')" ] && echo yes || echo no)"
    update-ca-certificates --fresh >/dev/null 2>&1
    step fresh-count "$(count)"
    step fresh-has-root "$(has_root)"
    # The source lost too (say, a restore of /usr/local from an old image): the ledger still has it.
    rm -f /usr/local/share/ca-certificates/certheal/*.crt
    update-ca-certificates >/dev/null 2>&1
    step lost-has-root "$(has_root)"
    certheal hook install --kind UpdateCaCertificates --ledger "$ledger" --json > "$work/install.json"
    step install-exit $?
    update-ca-certificates >/dev/null 2>"$work/update.err"
    step hook-has-root "$(has_root)"
    step hook-source-files "$(ls /usr/local/share/ca-certificates/certheal | tr '\n' ' ')"
    update-ca-certificates --fresh >/dev/null 2>&1
    step hook-fresh-has-root "$(has_root)"
    step log "$(grep -c 're-applied' /var/log/certheal.log || true)"
    # The hashed folder is the same generated store: a merge into it goes the Debian way too.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/second.key" -out "$work/second.pem" -days 3650 \
        -subj "/CN=Hooks Second Root CA/O=CertHeal Lab" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    second=$(openssl x509 -in "$work/second.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d ':')
    certheal merge /etc/ssl/certs "$work/second.pem" --policy Pinned --trusted-fingerprint "$second" --ledger "$ledger" --json > "$work/folder.json"
    step folder-sources "$(ls /usr/local/share/ca-certificates/certheal | grep -c '^hooks-second-root-ca-.*\.crt$')"
    step folder-in-bundle "$(grep -cF "$(sed -n 2p "$work/second.pem")" "$bundle")"
    step folder-link "$(find /etc/ssl/certs -maxdepth 1 -lname '/usr/local/share/ca-certificates/certheal/hooks-second-root-ca-*' | wc -l)"
    ;;
unsafe-ledger)
    certheal merge "$bundle" "$work/root.pem" --policy Pinned --trusted-fingerprint "$fingerprint" --ledger "$ledger" --json > /dev/null
    rm -f /usr/local/share/ca-certificates/certheal/*.crt
    update-ca-certificates >/dev/null 2>&1
    certheal hook install --kind UpdateCaCertificates --ledger "$ledger" > /dev/null
    # A user could now write the ledger: the hook must apply nothing.
    chmod 0777 /var/lib/certheal
    update-ca-certificates >/dev/null 2>&1
    step update-exit $?
    step unsafe-has-root "$(has_root)"
    step unsafe-log "$(grep -c 'was not applied' /var/log/certheal.log || true)"
    ;;
bad-cli)
    build_jdk 1
    printf '#!/bin/sh\nexit 3\n' > "$work/failing"
    printf '#!/bin/sh\nsleep 600\n' > "$work/hanging"
    chmod +x "$work/failing" "$work/hanging"
    certheal hook install --cli "$work/failing" --ledger "$ledger" > /dev/null
    update-ca-certificates >/dev/null 2>"$work/update.err"
    step failing-exit $?
    step failing-log "$(grep -c 'exit 3' /var/log/certheal.log || true)"
    certheal hook install --cli "$work/hanging" --timeout 2 --ledger "$ledger" > /dev/null
    # A package the machine left half-configured (ca-certificates-java on these images) would be
    # configured by the timed apt-get below and take most of a minute: settle it first, untimed, so
    # the bound measured is the hook's.
    dpkg --configure -a >/dev/null 2>&1 || true
    start=$(date +%s)
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$work/jdk1.deb" >"$work/apt.out" 2>&1
    step hanging-apt-exit $?
    step hanging-seconds-under-60 "$( [ $(( $(date +%s) - start )) -lt 60 ] && echo yes || echo no)"
    update-ca-certificates >/dev/null 2>&1
    step hanging-update-exit $?
    step hanging-log "$(grep -c 'exit 124' /var/log/certheal.log || true)"
    ;;
jdk)
    build_jdk 1
    build_jdk 2
    cacerts=/opt/certheal-test-jdk/lib/security/cacerts
    export STOREPASS=changeit
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$work/jdk1.deb" >"$work/apt1.out" 2>&1
    step v1-installed "$(dpkg-query -W -f '${Version}' certheal-test-jdk)"
    certheal merge "$cacerts" "$work/root.pem" --password-env STOREPASS --policy Pinned --trusted-fingerprint "$fingerprint" --ledger "$ledger" --json > "$work/merge.json"
    step merged-list "$(keytool -list -keystore "$cacerts" -storepass changeit 2>/dev/null | grep -ci 'trustedCertEntry' || true)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$work/jdk2.deb" >"$work/apt2.out" 2>&1
    step v2-installed "$(dpkg-query -W -f '${Version}' certheal-test-jdk)"
    step nohook-list "$(keytool -list -keystore "$cacerts" -storepass changeit 2>/dev/null | grep -ci 'trustedCertEntry' || true)"
    certheal hook install --kind DpkgPostInvoke --ledger "$ledger" > /dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall "$work/jdk2.deb" >"$work/apt3.out" 2>&1
    step hook-installed "$(dpkg-query -W -f '${Version}' certheal-test-jdk)"
    step hook-list "$(keytool -list -keystore "$cacerts" -storepass changeit 2>/dev/null | grep -ci 'trustedCertEntry' || true)"
    step hook-log "$(grep -c 're-applied' /var/log/certheal.log || true)"
    ;;
forget)
    # Two lab roots healed the Debian way into the bundle and into a JDK's cacerts, the hooks
    # installed, then the first forgotten: it must stay out through both wipes, the second come back.
    build_jdk 1
    build_jdk 2
    cacerts=/opt/certheal-test-jdk/lib/security/cacerts
    export STOREPASS=changeit
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$work/jdk1.deb" >"$work/apt1.out" 2>&1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/second.key" -out "$work/second.pem" -days 3650 \
        -subj "/CN=Hooks Second Root CA/O=CertHeal Lab" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    second=$(openssl x509 -in "$work/second.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d ':')
    in_bundle() { if grep -qF "$(sed -n 2p "$1")" "$bundle"; then echo yes; else echo no; fi; }
    # keytool prints each entry's SHA-256 with colons.
    in_cacerts() { if keytool -list -keystore "$cacerts" -storepass changeit 2>/dev/null | tr -d ':' | grep -qi "$1"; then echo yes; else echo no; fi; }
    for pem in "$work/root.pem" "$work/second.pem"; do
        pin=$(openssl x509 -in "$pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d ':')
        certheal merge "$bundle" "$pem" --policy Pinned --trusted-fingerprint "$pin" --ledger "$ledger" --json > /dev/null
        certheal merge "$cacerts" "$pem" --password-env STOREPASS --policy Pinned --trusted-fingerprint "$pin" --ledger "$ledger" --json > /dev/null
    done
    step healed "$(in_bundle "$work/root.pem") $(in_bundle "$work/second.pem") $(in_cacerts "$fingerprint") $(in_cacerts "$second")"
    certheal hook install --ledger "$ledger" --json > "$work/install.json"
    step install-exit $?
    # -WhatIf runs nothing: the source stays and update-ca-certificates is not run.
    before=$(stat -c %y "$bundle" | tr '\n' ' ')
    certheal forget --fingerprint "$fingerprint" --ledger "$ledger" --what-if --json > "$work/whatif.json"
    step whatif-untouched "$( [ "$before" = "$(stat -c %y "$bundle" | tr '\n' ' ')" ] && ls /usr/local/share/ca-certificates/certheal/hooks-namespace-root-ca-*.crt >/dev/null 2>&1 && echo yes || echo no)"
    set +e
    certheal forget --fingerprint "$fingerprint" --ledger "$ledger" --json > "$work/forget.json" 2>"$work/forget.err"
    step forget-exit $?
    set -e
    step forget-stores "$(grep -cE '"Removed": *1,?$' "$work/forget.json" || true)"
    step forget-regenerated "$(grep -c 'update-ca-certificates regenerated the OS bundle without it' "$work/forget.json" || true)"
    step forget-sources "$(ls /usr/local/share/ca-certificates/certheal | grep -c '^hooks-namespace-root-ca-.*\.crt$' || true)"
    step forget-retired "$(ls /usr/local/share/ca-certificates/certheal | grep -c '^hooks-namespace-root-ca-.*\.crt\.bak$' || true)"
    # update-ca-certificates may leave the link dangling; what matters is that none leads to the root any more.
    step forget-link "$(find /etc/ssl/certs -maxdepth 1 -lname '/usr/local/share/ca-certificates/certheal/hooks-namespace-root-ca-*' -exec test -e {} \; -print | wc -l)"
    step forgotten "$(in_bundle "$work/root.pem") $(in_bundle "$work/second.pem") $(in_cacerts "$fingerprint") $(in_cacerts "$second")"
    # The wipe of the bundle, with the hook firing inside it.
    update-ca-certificates >/dev/null 2>"$work/update.err"
    step after-update "$(in_bundle "$work/root.pem") $(in_bundle "$work/second.pem")"
    update-ca-certificates --fresh >/dev/null 2>&1
    step after-fresh "$(in_bundle "$work/root.pem") $(in_bundle "$work/second.pem")"
    # The JDK upgrade replaces cacerts with the vendor's; DPkg::Post-Invoke re-applies the ledger.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$work/jdk2.deb" >"$work/apt2.out" 2>&1
    step v2-installed "$(dpkg-query -W -f '${Version}' certheal-test-jdk)"
    step after-upgrade "$(in_cacerts "$fingerprint") $(in_cacerts "$second") $(in_bundle "$work/root.pem") $(in_bundle "$work/second.pem")"
    step vendor-kept "$(keytool -list -keystore "$cacerts" -storepass changeit -alias vendorroot >/dev/null 2>&1 && echo yes || echo no)"
    # A distro root (from /usr/share/ca-certificates) is patched out, with the exact line that keeps it out.
    distro=$(find /usr/share/ca-certificates -name '*.crt' | sort | head -1)
    distro_fp=$(openssl x509 -in "$distro" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d ':')
    set +e
    certheal forget --fingerprint "$distro_fp" --keystore "$bundle" --ledger "$ledger" --json > "$work/distro.json" 2>"$work/distro.err"
    step distro-exit $?
    set -e
    step distro-in-bundle "$(in_bundle "$distro")"
    line="!${distro#/usr/share/ca-certificates/}"
    step distro-line "$(grep -cF "the line '$line' in '/etc/ca-certificates.conf'" "$work/distro.err" || true)"
    step distro-conf-untouched "$(grep -cxF "$line" /etc/ca-certificates.conf || true)"
    update-ca-certificates >/dev/null 2>&1
    step distro-back "$(in_bundle "$distro")"
    ;;
esac
