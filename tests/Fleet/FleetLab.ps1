<#
.SYNOPSIS
    The fleet lab (issue #23): N hosts on this machine, each with its own loopback address, its own
    sshd and its own view of the files CertHeal reads and writes, reached as an ops team reaches
    hundreds of hosts: PowerShell remoting over SSH (and, later, Ansible over ssh).

.DESCRIPTION
    Dot-source it for Start-FleetLab / Stop-FleetLab / Install-FleetModule (it defines functions
    only), or run FleetLabCli.ps1 beside it from a shell (Ansible, by hand):

        pwsh tests/Fleet/FleetLabCli.ps1 start [-Count 8] [-HealedRootPem root.pem] [-ModulePath out/CertHeal]
        pwsh tests/Fleet/FleetLabCli.ps1 stop -Root /tmp/certheal-fleet-...    # what 'start' printed as Stop

    'start' leaves the hosts running (at most -MaxMinutes, 30 by default) and prints one JSON object:
    Hosts (address, role), Reachable (addresses with an sshd), KeyFilePath (root's lab key),
    Inventory (an Ansible INI inventory: ssh root@127.0.0.N with that key), Root (the lab folder)
    and Stop (the command that ends it).

    Each host (Linux, root: namespaces and bind mounts) is one process tree:
        timeout -s KILL <MaxMinutes>m unshare --mount --propagation private --pid --fork --kill-child --mount-proc
            sh tests/Fleet/fleet-host.sh <host folder> <sshd_config>
    fleet-host.sh bind-mounts the host's folders over /root (HOME: ~/.certheal, the user module path
    ~/.local/share/powershell/Modules, PSResourceGet's repository list, ~/.ssh/authorized_keys) and
    /etc/ssl/certs (a copy of this machine's ca-certificates.crt, which .NET and curl read, and of
    java/cacerts), then execs sshd as PID 1 of its PID namespace, listening on 127.0.0.N:22 with
    `Subsystem powershell <pwsh> -sshs -NoLogo -NoProfile`. The mounts exist only in that namespace;
    when sshd dies (Stop-FleetLab, or `timeout` after MaxMinutes, or the kill of `timeout`) the
    kernel ends every session process of the host and the mounts go with the namespace.

    Roles (hosts differ as real fleets do): Unhealed (the OS bundle lacks the lab root), Healed
    (the root given by -HealedRootPem is already in its bundle), Locked (its bundle is immutable:
    chattr +i, so no writer, root included, can replace it), NoModule (CertHeal not installed),
    Unreachable (an address with no sshd). The last address is Unreachable, the one before it
    NoModule, then Locked, then Healed; the rest are Unhealed.
#>
# A PowerShell single-quoted literal.
function ConvertTo-FleetLiteral([string] $Text) { "'" + $Text.Replace("'", "''") + "'" }

# The pwsh the hosts run as their powershell subsystem: CERTHEAL_PWSH (tools/test.sh sets it), this
# pwsh's own executable, the dotnet-tool shim above $PSHOME (out/tools/pwsh/pwsh), or pwsh on PATH.
function Get-FleetPwsh {
    if ($env:CERTHEAL_PWSH -and (Test-Path -LiteralPath $env:CERTHEAL_PWSH)) { return (Resolve-Path -LiteralPath $env:CERTHEAL_PWSH).Path }
    $process = [Environment]::ProcessPath
    if ($process -and (Split-Path $process -Leaf) -eq 'pwsh') { return $process }
    $folder = $PSHOME
    for ($i = 0; $i -lt 12 -and $folder; $i++) {
        $shim = Join-Path $folder 'pwsh'
        if ((Test-Path -LiteralPath (Join-Path $folder '.store')) -and (Test-Path -LiteralPath $shim -PathType Leaf)) { return $shim }
        $folder = Split-Path $folder -Parent
    }
    $onPath = Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($onPath) { return $onPath.Source }
    throw 'No pwsh executable found for the hosts'' powershell subsystem: set CERTHEAL_PWSH.'
}

# Why the lab cannot run here, or $null. Tests skip with this sentence.
function Get-FleetLabUnavailableReason {
    if (-not $IsLinux) { return 'the fleet lab needs Linux (mount and PID namespaces)' }
    if ((& id -u) -ne '0') { return 'the fleet lab needs root (namespaces, bind mounts, sshd on port 22 of 127.0.0.N)' }
    foreach ($tool in '/usr/sbin/sshd', 'ssh', 'ssh-keygen', 'unshare', 'timeout', 'chattr', 'mount') {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction SilentlyContinue)) {
            return "the fleet lab needs $tool (Debian: openssh-server, openssh-client, util-linux, coreutils, e2fsprogs, mount)"
        }
    }
    $null
}

# Waits until every address accepts TCP on the port, all in parallel, within one deadline; returns
# the addresses still silent (with -TimeoutSec 0: one look, so a non-empty answer means "free").
function Wait-FleetPort {
    param([string[]] $Address, [int] $Port = 22, [int] $TimeoutSec)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    $pending = [System.Collections.Generic.List[string]]::new([string[]] $Address)
    for ($round = 0; $pending.Count -gt 0 -and $round -lt 10000; $round++) {
        foreach ($address in @($pending)) {
            $client = [System.Net.Sockets.TcpClient]::new()
            try {
                if ($client.ConnectAsync($address, $Port).Wait(200) -and $client.Connected) { $null = $pending.Remove($address) }
            }
            catch { $null = $_ }  # refused: not listening yet
            finally { $client.Dispose() }
        }
        if ($pending.Count -eq 0) { break }
        if ([DateTime]::UtcNow -ge $deadline) { return $pending.ToArray() }
        Start-Sleep -Milliseconds 100
    }
    @()
}

function Start-FleetLab {
    <#
    .SYNOPSIS
        Starts the fleet lab; returns its description (Hosts, Reachable, Ssh (splat for
        New-PSSession/Invoke-Command -HostName), KeyFilePath, Inventory, Root) with a Stop() method.
    #>
    [CmdletBinding()]
    param(
        [ValidateRange(5, 200)]
        [int] $Count = 8,
        # Hosts are 127.0.0.<FirstOctet> .. 127.0.0.<FirstOctet + Count - 1>.
        [ValidateRange(2, 250)]
        [int] $FirstOctet = 101,
        # A PEM file of what the Healed host already trusts (appended to its bundle; without it the
        # Healed host's bundle is the machine's, unchanged).
        [string] $HealedRootPem,
        [string] $PwshPath = (Get-FleetPwsh),
        [ValidateRange(1, 600)]
        [int] $TimeoutSec = 30,
        [ValidateRange(1, 1440)]
        [int] $MaxMinutes = 30,
        # sshd's port on every host: 22, unless something (a machine-wide sshd on 0.0.0.0:22) already
        # answers there, then 2222. The port is in .Ssh (splat it) and in the inventory.
        [ValidateRange(0, 65535)]
        [int] $Port = 0
    )
    $reason = Get-FleetLabUnavailableReason
    if ($reason) { throw "Cannot start the fleet lab: $reason." }
    if ($FirstOctet + $Count - 1 -gt 254) { throw "127.0.0.$FirstOctet plus $Count hosts runs past 127.0.0.254." }
    if ($Port -eq 0) {
        $Port = if (Wait-FleetPort -Address "127.0.0.$FirstOctet" -Port 22 -TimeoutSec 0) { 22 } else { 2222 }
    }
    $script = Join-Path $PSScriptRoot 'fleet-host.sh'
    $root = Join-Path ([System.IO.Path]::GetTempPath()) "certheal-fleet-$PID-$([Guid]::NewGuid().ToString('N').Substring(0, 8))"
    New-Item -ItemType Directory -Path $root | Out-Null
    $lab = [pscustomobject]@{
        PSTypeName  = 'CertHeal.FleetLab'
        Root        = $root
        Hosts       = [System.Collections.Generic.List[object]]::new()
        Reachable   = @()
        KeyFilePath = Join-Path $root 'id_ed25519'
        Ssh         = $null
        Inventory   = Join-Path $root 'inventory.ini'
        Pwsh        = $PwshPath
    }
    $lab | Add-Member -MemberType ScriptMethod -Name Stop -Value { Stop-FleetLab -Lab $this }
    $lab | Add-Member -MemberType ScriptMethod -Name Host -Value { param([string] $Role) @($this.Hosts | Where-Object Role -EQ $Role) }
    try {
        & ssh-keygen -q -t ed25519 -N '' -C certheal-fleet-lab -f $lab.KeyFilePath
        & ssh-keygen -q -t ed25519 -N '' -C certheal-fleet-host -f (Join-Path $root 'host_ed25519')
        if ($LASTEXITCODE -ne 0) { throw "ssh-keygen failed (exit code $LASTEXITCODE)." }
        $publicKey = Get-Content -LiteralPath "$($lab.KeyFilePath).pub" -Raw
        $healedPem = if ($HealedRootPem) { Get-Content -LiteralPath $HealedRootPem -Raw } else { $null }

        for ($i = 0; $i -lt $Count; $i++) {
            $address = "127.0.0.$($FirstOctet + $i)"
            $role = switch ($Count - 1 - $i) { 0 { 'Unreachable' } 1 { 'NoModule' } 2 { 'Locked' } 3 { 'Healed' } default { 'Unhealed' } }
            $folder = Join-Path $root "hosts/$address"
            $hostInfo = [pscustomobject]@{
                Address    = $address
                Role       = $role
                Folder     = $folder
                Home       = Join-Path $folder 'home'
                Certs      = Join-Path $folder 'certs'
                # The host's /etc/ssl/certs/ca-certificates.crt as seen from this machine.
                Bundle     = Join-Path $folder 'certs/ca-certificates.crt'
                Process    = $null
            }
            $lab.Hosts.Add($hostInfo)
            if ($role -eq 'Unreachable') { continue }
            foreach ($sub in 'home/.ssh', 'home/.local/share/powershell/Modules', 'home/app', 'certs/java') {
                New-Item -ItemType Directory -Path (Join-Path $folder $sub) -Force | Out-Null
            }
            & chmod 700 $hostInfo.Home (Join-Path $hostInfo.Home '.ssh')
            Set-Content -LiteralPath (Join-Path $hostInfo.Home '.ssh/authorized_keys') -Value $publicKey -NoNewline
            & chmod 600 (Join-Path $hostInfo.Home '.ssh/authorized_keys')
            Copy-Item -LiteralPath /etc/ssl/certs/ca-certificates.crt -Destination $hostInfo.Bundle
            if (Test-Path -LiteralPath /etc/ssl/certs/java/cacerts) { Copy-Item -LiteralPath /etc/ssl/certs/java/cacerts -Destination (Join-Path $hostInfo.Certs 'java/cacerts') }
            if ($role -eq 'Healed' -and $healedPem) {
                Add-Content -LiteralPath $hostInfo.Bundle -Value $healedPem.TrimEnd()
            }
            if ($role -eq 'Locked') {
                & chattr +i $hostInfo.Bundle
                if ($LASTEXITCODE -ne 0) { throw "chattr +i $($hostInfo.Bundle) failed: the lab folder's file system has no immutable attribute." }
            }
            $config = Join-Path $folder 'sshd_config'
            @(
                "ListenAddress ${address}:$Port"
                "HostKey $(Join-Path $root 'host_ed25519')"
                'PidFile none'
                'PermitRootLogin prohibit-password'
                'PubkeyAuthentication yes'
                'PasswordAuthentication no'
                'KbdInteractiveAuthentication no'
                'UsePAM no'
                'AuthorizedKeysFile .ssh/authorized_keys'
                'MaxStartups 64:30:128'
                'MaxSessions 32'
                'LogLevel ERROR'
                "Subsystem powershell $PwshPath -sshs -NoLogo -NoProfile"
                # Ansible moves its modules over sftp.
                'Subsystem sftp internal-sftp'
            ) | Set-Content -LiteralPath $config
            $info = [System.Diagnostics.ProcessStartInfo]::new('timeout')
            foreach ($argument in @('-s', 'KILL', "$($MaxMinutes)m", 'unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--mount-proc',
                    'sh', $script, $folder, $config)) { $info.ArgumentList.Add($argument) }
            $info.UseShellExecute = $false
            # Not this process's stdio: a caller reading our output (a benchmark, a CI log) is not held
            # open by the hosts, which outlive this process in 'start' mode (fleet-host.sh logs to sshd.log).
            $info.RedirectStandardInput = $true
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            # Started in parallel: every sshd comes up while the next host's folders are copied.
            $hostInfo.Process = [System.Diagnostics.Process]::Start($info)
        }
        $lab.Reachable = @($lab.Hosts | Where-Object Role -NE 'Unreachable' | ForEach-Object Address)
        $late = Wait-FleetPort -Address $lab.Reachable -Port $Port -TimeoutSec $TimeoutSec
        if ($late) {
            $logs = foreach ($address in $late) { $log = Join-Path $root "hosts/$address/sshd.log"; if (Test-Path $log) { "${address}: $((Get-Content $log -Raw).Trim())" } }
            throw "sshd did not listen on $($late -join ', ') port $Port within $TimeoutSec s. $($logs -join ' ')"
        }
        $lab.Ssh = @{
            UserName    = 'root'
            Port        = $Port
            KeyFilePath = $lab.KeyFilePath
            # Lab hosts share one throwaway host key; nothing is written to known_hosts.
            Options     = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR'; BatchMode = 'yes'; ConnectTimeout = '10' }
        }
        # For Ansible (and anything else that speaks ssh): every host with its role.
        $inventory = @('[fleet]') + @($lab.Hosts | ForEach-Object { "$($_.Address) certheal_role=$($_.Role)" }) + @(
            '', '[fleet:vars]', 'ansible_user=root', "ansible_port=$Port", "ansible_ssh_private_key_file=$($lab.KeyFilePath)",
            "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'")
        $inventory | Set-Content -LiteralPath $lab.Inventory
        $lab
    }
    catch {
        Stop-FleetLab -Lab $lab
        throw
    }
}

function Stop-FleetLab {
    <# .SYNOPSIS Ends every host's process tree, unlocks the Locked bundle and removes the lab folder. #>
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] $Lab)
    process {
        if (-not $Lab) { return }
        foreach ($hostInfo in $Lab.Hosts) {
            $process = $hostInfo.Process
            if (-not $process -or $process.HasExited) { continue }
            # SIGTERM to `timeout`: it passes it to unshare, whose death SIGKILLs the namespace's PID 1 (sshd)
            # and with it every session of that host.
            & kill -TERM $process.Id 2>$null
        }
        foreach ($hostInfo in $Lab.Hosts) {
            $process = $hostInfo.Process
            if (-not $process) { continue }
            if (-not $process.WaitForExit(10000)) {
                try { $process.Kill($true) } catch { $null = $_ }  # gone meanwhile
                $null = $process.WaitForExit(5000)
            }
        }
        foreach ($hostInfo in @($Lab.Hosts | Where-Object Role -EQ 'Locked')) {
            if (Test-Path -LiteralPath $hostInfo.Bundle) { & chattr -i $hostInfo.Bundle 2>$null }
        }
        if ($Lab.Root -and (Test-Path -LiteralPath $Lab.Root)) { Remove-Item -LiteralPath $Lab.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

function Install-FleetModule {
    <#
    .SYNOPSIS
        Installs a built module folder on hosts the way a user would: Publish-PSResource once to a
        local PSResourceGet repository (in a child pwsh with its own HOME, so this machine's repository
        list is untouched), then, in each host's session, Register-PSResourceRepository and
        Install-PSResource -Scope CurrentUser (the host's own ~/.local/share/powershell/Modules).
        Returns what each host reports (Address, Version, Path).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Lab,
        [Parameter(Mandatory)] [System.Management.Automation.Runspaces.PSSession[]] $Session,
        [Parameter(Mandatory)] [string] $ModulePath,
        [int] $ThrottleLimit = 4
    )
    $repo = Join-Path $Lab.Root 'repo'
    New-Item -ItemType Directory -Path $repo, (Join-Path $Lab.Root 'publisher') -Force | Out-Null
    $publish = "`$ErrorActionPreference = 'Stop'; Register-PSResourceRepository -Name FleetLab -Uri $(ConvertTo-FleetLiteral $repo) -Trusted; " +
        "Publish-PSResource -Path $(ConvertTo-FleetLiteral $ModulePath) -Repository FleetLab"
    $savedHome = $env:HOME
    try {
        $env:HOME = Join-Path $Lab.Root 'publisher'
        & $Lab.Pwsh -NoProfile -NonInteractive -Command $publish
        if ($LASTEXITCODE -ne 0) { throw "Publish-PSResource of $ModulePath to $repo failed (exit code $LASTEXITCODE)." }
    }
    finally { $env:HOME = $savedHome }
    Invoke-Command -Session $Session -ThrottleLimit $ThrottleLimit -ErrorAction Stop {
        $ErrorActionPreference = 'Stop'
        Register-PSResourceRepository -Name FleetLab -Uri $using:repo -Trusted
        Install-PSResource -Name CertHeal -Repository FleetLab -Scope CurrentUser -TrustRepository -Quiet
        $module = Get-Module -ListAvailable CertHeal | Select-Object -First 1
        [pscustomobject]@{ Version = $module.Version.ToString(); Path = $module.ModuleBase }
    }
}
