# Shared by the three hook Pester files: a system root of the test's own under TestDrive:, which
# $env:CERTHEAL_SYSTEM_ROOT points the hook cmdlets at, so the machine's /etc is never written.
# Returns the root and a stand-in certheal for -CliPath.
function New-HookRoot {
    $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Force -Path (Join-Path $root 'etc/ca-certificates/update.d'), (Join-Path $root 'etc/apt/apt.conf.d') | Out-Null
    $cli = Join-Path $root 'certheal'
    Set-Content -LiteralPath $cli -Value "#!/bin/sh`nexit 0" -NoNewline
    chmod 755 $cli
    [pscustomobject]@{ Root = $root; Cli = $cli }
}
