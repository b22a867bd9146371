#!/usr/bin/env bash
# CertHeal's benchmarks in one command: installs the peers (nginx, openssl, a JDK for keytool)
# where they are missing, then prints one markdown table of CertHeal's figures next to the peers'
# from the same run. `bash tools/benchmark.sh --quick` runs the small sizes only; `--only probe,chain,
# merge,handler,startup,ledger,fleet` runs those sections alone. The fleet section (PowerShell remoting to
# lab hosts on 127.0.0.N, tests/Fleet) needs root, sshd and pwsh (tools/test.sh installs it); it says
# why when it is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v keytool >/dev/null 2>&1 || missing+=(default-jdk-headless)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)           # the fleet section's hosts
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)  # PowerShell remoting over SSH
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "benchmark: install ${missing[*]} (or run as root), then run again." >&2
    exit 2
  fi
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release tests/CertHeal.Benchmarks >/dev/null
# The fleet section installs the module folder src/CertHeal assembles on its lab hosts.
dotnet build -c Release src/CertHeal >/dev/null
# The certheal rows measure the native certheal (the linux-x64 artifact) as users get it.
dotnet publish src/CertHeal.Cli -c Release -r linux-x64 -p:PublishAot=true --artifacts-path out/native-build -o out/native >/dev/null
only=$(printf '%s\n' "$@" | sed -n '/^--only$/{n;p}')
if [ -z "$only" ] || [[ ",$only," == *,startup,* ]]; then
  dotnet publish tests/CertHeal.Benchmarks.BareClient -c Release -r linux-x64 -p:PublishAot=true --artifacts-path out/bare-build -o out/bareclient >/dev/null
fi
exec dotnet tests/CertHeal.Benchmarks/bin/Release/net10.0/CertHeal.Benchmarks.dll "$@"
