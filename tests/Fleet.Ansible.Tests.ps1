#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Issue #23: configuration management. tests/Fleet/ansible/heal-trust.yml runs with ansible-core
# against the fleet lab (tests/Fleet/FleetLab.ps1: each host its own 127.0.0.N, sshd, /root and
# /etc/ssl/certs) over SSH, with the certheal CLI installed on each host as a team ships it (a
# dotnet tool from their package feed). Three runs: check mode (--check; the merge still runs, with
# --what-if), a real run, and the same run again. Ansible's per-host stats must say changed exactly
# where CertHeal wrote (or would write), and check mode must leave every store's bytes alone.
# Needs Linux, root, sshd, ssh and ansible-playbook: elsewhere every test says Skipped with the reason.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'Fleet/FleetLab.ps1')
    $ansibleSkip = Get-FleetLabUnavailableReason
    if (-not $ansibleSkip -and -not (Get-Command ansible-playbook -CommandType Application -ErrorAction SilentlyContinue)) {
        $ansibleSkip = 'ansible-playbook is not installed (Debian: ansible-core)'
    }
    # The runs are read through the json stdout callback, which ansible-core alone lacks.
    if (-not $ansibleSkip) {
        # ansible-doc exits 0 for a plugin it does not have, so its list is searched.
        if (-not (@(& ansible-doc -t callback -l 2>$null) -match '^ansible\.posix\.json\s')) {
            $ansibleSkip = "ansible-playbook has no json stdout callback (ansible.posix; Debian: ansible)"
        }
    }
    $modulePath = Join-Path $PSScriptRoot '../out/CertHeal'
    if (-not $ansibleSkip -and -not (Test-Path (Join-Path $modulePath 'CertHeal.psd1'))) { $ansibleSkip = 'out/CertHeal is not built (./build.ps1 -SkipTests)' }
    if ($ansibleSkip) { return }

    Import-Module (Join-Path $modulePath 'CertHeal.psd1') -Force
    $playbook = Join-Path $PSScriptRoot 'Fleet/ansible/heal-trust.yml'
    $tls = Start-CertHealLab -Scenario UntrustedRoot
    $endpoint = $tls.Target('UntrustedRoot')
    $fingerprint = $tls.UntrustedRootFingerprint
    # The already-healed host holds what a heal adds: the chain's CA certificates.
    $healedPem = Join-Path $tls.Folder 'already-healed.pem'
    (@(Get-ServerCertificateChain $endpoint -TimeoutSec 20) | Where-Object Role -NE 'Leaf' | ForEach-Object { $_.Pem.Trim() }) -join "`n" |
        Set-Content -LiteralPath $healedPem
    $lab = Start-FleetLab -Count 9 -HealedRootPem $healedPem
    $byRole = @{}
    foreach ($role in 'Unhealed', 'Healed', 'Locked', 'NoModule', 'Unreachable') { $byRole[$role] = @($lab.Host($role) | ForEach-Object Address) }

    # The team's feed: the CLI packed as the dotnet tool users install, from the configuration the
    # build last produced; each reachable host installs it into its own /root/.dotnet/tools. The
    # hosts share this machine's /tmp, where NuGet keeps its scratch and locks: each host gets its
    # own TMPDIR, as each real machine has its own /tmp, and skips the SDK's first-run work (a
    # development certificate per host); concurrent installs otherwise failed now and then.
    $repo = Split-Path $PSScriptRoot -Parent
    $dotnet = (Get-Command dotnet -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    $built = @('Debug', 'Release') | ForEach-Object { Get-Item -LiteralPath (Join-Path $repo "src/CertHeal.Cli/bin/$_/net8.0/certheal.dll") -ErrorAction SilentlyContinue } |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    if (-not $built) { throw 'src/CertHeal.Cli is not built: run ./build.ps1 -SkipTests first.' }
    $configuration = Split-Path (Split-Path (Split-Path $built.FullName -Parent) -Parent) -Leaf
    $feed = Join-Path $lab.Root 'feed'
    $packed = & $dotnet pack (Join-Path $repo 'src/CertHeal.Cli') -c $configuration --no-build -o $feed 2>&1
    if ($LASTEXITCODE -ne 0) { throw "dotnet pack of the CLI failed: $packed" }
    $feedConfig = Join-Path $feed 'nuget.config'
    "<?xml version=`"1.0`" encoding=`"utf-8`"?><configuration><packageSources><clear /><add key=`"feed`" value=`"$feed`" /></packageSources></configuration>" |
        Set-Content -LiteralPath $feedConfig
    $sshArgs = @('-n', '-i', $lab.KeyFilePath, '-p', [string]$lab.Ssh.Port, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10')
    $installJobs = foreach ($address in $lab.Reachable) {
        Start-ThreadJob -ArgumentList $address {
            param($address)
            $ssh = $using:sshArgs
            $out = & timeout 120 ssh @ssh "root@$address" "mkdir -p /root/.tmp && TMPDIR=/root/.tmp DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false DOTNET_CLI_TELEMETRY_OPTOUT=1 $using:dotnet tool install CertHeal.Cli --tool-path /root/.dotnet/tools --configfile $using:feedConfig" 2>&1
            [pscustomobject]@{ Address = $address; ExitCode = $LASTEXITCODE; Output = ($out | Out-String).Trim() }
        }
    }
    $installs = @($installJobs | Wait-Job -Timeout 300 | Receive-Job)
    $installJobs | Remove-Job -Force
    $failedInstall = @($installs | Where-Object ExitCode -NE 0)
    if ($installs.Count -ne $lab.Reachable.Count -or $failedInstall) { throw "Installing the CLI on the lab hosts failed: $($failedInstall | Format-List | Out-String -Width 400)" }

    # Each host's OS bundle as this machine sees it: the lab keeps the host's /etc/ssl/certs in its folder.
    function Get-BundleHash {
        $hashes = @{}
        foreach ($fleetHost in $lab.Hosts | Where-Object Role -NE 'Unreachable') {
            $hashes[$fleetHost.Address] = (Get-FileHash -LiteralPath $fleetHost.Bundle -Algorithm SHA256).Hash
        }
        $hashes
    }

    # One ansible-playbook run; its per-host stats from the json callback (ok, changed, failures, unreachable).
    function Invoke-HealPlaybook {
        param([switch] $Check)
        $arguments = @('-i', $lab.Inventory, $playbook, '-e', "endpoint=$endpoint", '-e', "root_sha256=$fingerprint",
            '-e', 'ansible_python_interpreter=/usr/bin/python3', '--forks', '4', '--timeout', '30')
        if ($Check) { $arguments += '--check' }
        $env:ANSIBLE_STDOUT_CALLBACK = 'json'
        $env:ANSIBLE_HOST_KEY_CHECKING = 'False'
        $env:ANSIBLE_LOCAL_TEMP = Join-Path $lab.Root 'ansible-local'
        $env:ANSIBLE_REMOTE_TEMP = '/tmp/.ansible-remote'
        try {
            $output = & timeout 600 ansible-playbook @arguments 2>$null
        }
        finally {
            Remove-Item Env:ANSIBLE_STDOUT_CALLBACK, Env:ANSIBLE_HOST_KEY_CHECKING, Env:ANSIBLE_LOCAL_TEMP, Env:ANSIBLE_REMOTE_TEMP -ErrorAction SilentlyContinue
        }
        $report = ($output -join "`n") | ConvertFrom-Json -AsHashtable
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Stats = $report.stats; Plays = $report.plays }
    }

    # The hosts whose stat is non-zero, sorted.
    function Get-HostWith($Run, [string] $Stat) {
        @($Run.Stats.Keys | Where-Object { $Run.Stats[$_][$Stat] -gt 0 } | Sort-Object)
    }
}

AfterAll {
    if ($lab) { Stop-FleetLab -Lab $lab }
    if ($tls) { Stop-CertHealLab -Lab $tls }
}

Describe 'Ansible over the fleet: changed comes from CertHeal, and check mode writes nothing' {
    It 'check mode runs the merge with --what-if: changed where a real run would write, every store unchanged' {
        if ($ansibleSkip) { Set-ItResult -Skipped -Because $ansibleSkip; return }
        $before = Get-BundleHash
        $run = Invoke-HealPlaybook -Check
        $shouldChange = @($byRole.Unhealed + $byRole.NoModule + $byRole.Locked | Sort-Object)
        Get-HostWith $run 'changed' | Should -Be $shouldChange
        Get-HostWith $run 'unreachable' | Should -Be $byRole.Unreachable
        Get-HostWith $run 'failures' | Should -BeNullOrEmpty
        (Get-BundleHash) | ForEach-Object { $now = $_; foreach ($address in $before.Keys) { $now[$address] | Should -Be $before[$address] -Because "check mode must not write $address's bundle" } }
        $script:beforeReal = $before
    }

    It 'a real run changes the unhealed hosts only; the locked host fails for itself; the others finish' {
        if ($ansibleSkip) { Set-ItResult -Skipped -Because $ansibleSkip; return }
        $run = Invoke-HealPlaybook
        $healed = @($byRole.Unhealed + $byRole.NoModule | Sort-Object)
        Get-HostWith $run 'changed' | Should -Be $healed
        Get-HostWith $run 'failures' | Should -Be $byRole.Locked
        Get-HostWith $run 'unreachable' | Should -Be $byRole.Unreachable
        $run.ExitCode | Should -Not -Be 0
        $after = Get-BundleHash
        foreach ($address in $healed) { $after[$address] | Should -Not -Be $script:beforeReal[$address] -Because "$address was healed" }
        foreach ($address in $byRole.Healed + $byRole.Locked) { $after[$address] | Should -Be $script:beforeReal[$address] -Because "$address needed (or allowed) no write" }
        # Healed for real: OpenSSL on the host, verifying against the host's own bundle, now accepts the chain.
        foreach ($address in $healed) {
            $verify = & ssh @sshArgs "root@$address" "openssl s_client -connect $endpoint -CAfile /etc/ssl/certs/ca-certificates.crt -verify_return_error </dev/null" 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "openssl on $address should verify $endpoint after the heal: $($verify | Select-Object -Last 3)"
        }
        $script:afterReal = $after
    }

    It 'the same run again changes nothing anywhere and writes no store' {
        if ($ansibleSkip) { Set-ItResult -Skipped -Because $ansibleSkip; return }
        $run = Invoke-HealPlaybook
        Get-HostWith $run 'changed' | Should -BeNullOrEmpty
        Get-HostWith $run 'failures' | Should -Be $byRole.Locked
        $after = Get-BundleHash
        foreach ($address in $after.Keys) { $after[$address] | Should -Be $script:afterReal[$address] }
    }
}
