<#
.SYNOPSIS
    Starts or stops the fleet lab (FleetLab.ps1) from a shell, for tools that reach hosts over ssh
    (Ansible, a loop of ssh commands) or for trying the README's Fleets workflow by hand.

.DESCRIPTION
    start prints one JSON object and writes it to <Root>/lab.json: Hosts (Address, Role, Pid, Bundle),
    Reachable (addresses with an sshd), KeyFilePath (root's lab key: ssh -i KEY root@127.0.0.N),
    Inventory (<Root>/inventory.ini, an Ansible INI inventory with that key and the ssh options), Root,
    and Stop (the command that ends the lab). With -ModulePath, CertHeal is installed on the hosts
    that should have it through PSResourceGet, as Install-FleetModule does. The hosts stop by
    themselves after -MaxMinutes (30).

.EXAMPLE
    $lab = pwsh tests/Fleet/FleetLabCli.ps1 start -ModulePath out/CertHeal | ConvertFrom-Json
    ansible -i $lab.Inventory fleet -m ping
    Invoke-Expression $lab.Stop
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory, Position = 0)]
    [ValidateSet('start', 'stop')]
    [string] $Action,
    [int] $Count = 8,
    [string] $Root,
    [string] $HealedRootPem,
    [string] $ModulePath,
    [int] $MaxMinutes = 30
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'FleetLab.ps1')
if ($Action -eq 'start') {
    $started = Start-FleetLab -Count $Count -HealedRootPem $HealedRootPem -MaxMinutes $MaxMinutes
    if ($ModulePath) {
        $ssh = $started.Ssh
        $sessions = New-PSSession -HostName @($started.Host('Unhealed') + $started.Host('Healed') + $started.Host('Locked') | ForEach-Object Address) @ssh
        try { $null = Install-FleetModule -Lab $started -Session $sessions -ModulePath $ModulePath }
        finally { $sessions | Remove-PSSession }
    }
    # Stop-FleetLab works from lab.json too: the processes are found again by their ids.
    $description = [ordered]@{
        Hosts       = @($started.Hosts | ForEach-Object { [ordered]@{ Address = $_.Address; Role = $_.Role; Pid = $_.Process.Id; Bundle = $_.Bundle } })
        Reachable   = $started.Reachable
        KeyFilePath = $started.KeyFilePath
        Inventory   = $started.Inventory
        Root        = $started.Root
        Stop        = "$(ConvertTo-FleetLiteral $started.Pwsh) -NoProfile -File $(ConvertTo-FleetLiteral $PSCommandPath) stop -Root $(ConvertTo-FleetLiteral $started.Root)"
    }
    $json = $description | ConvertTo-Json -Depth 4
    Set-Content -LiteralPath (Join-Path $started.Root 'lab.json') -Value $json
    $json
}
else {
    if (-not $Root) { throw 'stop needs -Root (the Root that start printed).' }
    $saved = Get-Content -LiteralPath (Join-Path $Root 'lab.json') -Raw | ConvertFrom-Json
    $hosts = foreach ($entry in $saved.Hosts) {
        $process = if ($entry.Pid) { Get-Process -Id $entry.Pid -ErrorAction SilentlyContinue | Where-Object ProcessName -EQ 'timeout' }
        [pscustomobject]@{ Address = $entry.Address; Role = $entry.Role; Bundle = $entry.Bundle; Process = $process }
    }
    Stop-FleetLab -Lab ([pscustomobject]@{ Root = $saved.Root; Hosts = @($hosts) })
}
