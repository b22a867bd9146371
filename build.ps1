<#
.SYNOPSIS
    Builds CertHeal, assembles the loadable module in out/CertHeal, runs the tests, and
    optionally packages the module for the PowerShell Gallery.
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [switch] $Package,
    [switch] $SkipTests
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Invoke-Native {
    param([string] $What, [scriptblock] $Command)
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE." }
}

$root = $PSScriptRoot
$solution = Join-Path $root 'CertHeal.sln'
$moduleOut = Join-Path $root 'out/CertHeal'

Invoke-Native 'dotnet build' { dotnet build $solution -c $Configuration }

if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
New-Item -ItemType Directory -Path $moduleOut | Out-Null
$bin = Join-Path $root "src/CertHeal/bin/$Configuration/net8.0"
Copy-Item (Join-Path $root 'CertHeal.psd1') $moduleOut
foreach ($file in 'CertHeal.dll', 'CertHeal.Engine.dll', 'CertHeal.pdb', 'CertHeal.Engine.pdb', 'CertHeal.Format.ps1xml') {
    $source = Join-Path $bin $file
    if (Test-Path $source) { Copy-Item $source $moduleOut }
    elseif ($file -notlike '*.pdb') { throw "The build did not produce $source." }
}
Copy-Item (Join-Path $root 'en-US') (Join-Path $moduleOut 'en-US') -Recurse
Copy-Item (Join-Path $root 'LICENSE') $moduleOut
Write-Host "Module assembled in $moduleOut"

if (-not $SkipTests) {
    Invoke-Native 'dotnet test' { dotnet test $solution -c $Configuration --no-build }
    $pester = Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0.0' | Sort-Object Version -Descending | Select-Object -First 1
    if ($pester) {
        Import-Module $pester
        $config = New-PesterConfiguration
        $config.Run.Path = Join-Path $root 'tests'
        $config.Run.Exit = $false
        $config.Run.PassThru = $true
        $config.Output.Verbosity = 'Detailed'
        $result = Invoke-Pester -Configuration $config
        if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester tests failed." }
    }
    else {
        Write-Warning 'Pester 5 is not installed (Install-Module Pester -MinimumVersion 5.0.0), so the Pester tests were skipped.'
    }
}

if ($Package) {
    $repoPath = Join-Path $root 'out/repo'
    New-Item -ItemType Directory -Path $repoPath -Force | Out-Null
    $name = 'CertHealLocal'
    if (Get-Command Publish-PSResource -ErrorAction SilentlyContinue) {
        Register-PSResourceRepository -Name $name -Uri $repoPath -Trusted
        try { Publish-PSResource -Path $moduleOut -Repository $name }
        finally { Unregister-PSResourceRepository -Name $name }
    }
    else {
        Register-PSRepository -Name $name -SourceLocation $repoPath -PublishLocation $repoPath -InstallationPolicy Trusted
        try { Publish-Module -Path $moduleOut -Repository $name }
        finally { Unregister-PSRepository -Name $name }
    }
    Get-ChildItem $repoPath -Filter 'CertHeal*.nupkg' | ForEach-Object { Write-Host "Package: $($_.FullName)" }
}
