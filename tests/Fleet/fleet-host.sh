#!/bin/sh
# One fleet-lab host (tests/Fleet/FleetLab.ps1 starts one per address). Run as PID 1 of fresh
# mount and PID namespaces:
#   unshare --mount --propagation private --pid --fork --kill-child --mount-proc sh fleet-host.sh HOSTDIR SSHD_CONFIG
# It gives this host its own view of the files CertHeal reads and writes, then becomes its sshd:
#   HOSTDIR/home   over /root           (HOME: the ledger ~/.certheal, ~/.local/share/powershell/Modules,
#                                         PSResourceGet's repository list, ~/.ssh/authorized_keys)
#   HOSTDIR/certs  over /etc/ssl/certs  (ca-certificates.crt, which .NET and curl read, and java/cacerts)
#   HOSTDIR/local-ca over /usr/local/share/ca-certificates (a copy: a merge into the bundle writes its
#                                         source there and runs update-ca-certificates, the Debian way)
#   HOSTDIR/dotnet-tmp over /tmp/.dotnet (.NET's named mutexes and shared memory)
#   a tmpfs        over /run            (sshd's privilege-separation folder /run/sshd; nothing of the machine's)
# The mounts live only in this namespace: they vanish with its last process, and the machine's
# /root, /etc/ssl/certs and /run are never touched. When sshd (PID 1 here) dies, the kernel ends
# every session process of this host with it.
set -eu
exec >"$1/sshd.log" 2>&1
hostdir=$1
config=$2
mount --bind "$hostdir/home" /root
mount --bind "$hostdir/certs" /etc/ssl/certs
if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$hostdir/local-ca"
    cp -a /usr/local/share/ca-certificates/. "$hostdir/local-ca/"
    mount --bind "$hostdir/local-ca" /usr/local/share/ca-certificates
fi
# .NET keeps named mutexes and shared memory in /tmp/.dotnet, keyed by session and process ids;
# this host's ids repeat other hosts' (its own PID namespace), so each host has its own, as each
# machine has its own /tmp (shared, concurrent `dotnet tool install`s failed with "Object
# synchronization method was called from an unsynchronized block of code").
# .NET creates the folders only where /tmp/.dotnet is missing; give them the modes it gives them.
mkdir -p /tmp/.dotnet "$hostdir/dotnet-tmp/shm"
chmod 777 "$hostdir/dotnet-tmp" "$hostdir/dotnet-tmp/shm"
mount --bind "$hostdir/dotnet-tmp" /tmp/.dotnet
mount -t tmpfs -o mode=755,size=1m fleet-run /run
mkdir -m 755 /run/sshd
exec /usr/sbin/sshd -D -e -f "$config"
