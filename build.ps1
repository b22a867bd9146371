#Requires -Version 7.4
<#
.SYNOPSIS
    Builds CertHeal, assembles the loadable module in out/CertHeal, runs the tests, and
    optionally packages the module for the PowerShell Gallery.

.DESCRIPTION
    1. dotnet build CertHeal.sln.
    2. Copies the module folder the build assembled (src/CertHeal's AssembleModule target) to
       out/CertHeal: CertHeal.psd1, CertHeal.dll, CertHeal.Engine.dll, BouncyCastle.Cryptography.dll
       (and the .pdb files), CertHeal.Format.ps1xml, CertHeal.Types.ps1xml (serialization depth for remoting), en-US (MAML help and about_CertHeal), LICENSE.
    3. Unless -SkipTests: dotnet test, then the Pester files under tests/ (Pester 5 or later)
       against the assembled module. Pester runs in a child pwsh, so this session never loads
       CertHeal.dll: a loaded dll cannot be replaced (Windows locks it, and a later import in
       the same process would keep testing the old one).
    4. With -Package: publishes out/CertHeal to a temporary local repository in out/repo and
       prints the path of the .nupkg.

    With -Native (tools/test.sh and CI pass it), step 2 also publishes the second artifact, the
    native certheal for linux-x64 (NativeAOT, self-contained, one file) to out/native/certheal,
    and step 3 runs the CLI tests that start the real certheal process once more against it
    (CERTHEAL_CLI). The normal dev build skips it: the ahead-of-time compile takes minutes.

.EXAMPLE
    ./build.ps1

.EXAMPLE
    ./build.ps1 -Configuration Debug -SkipTests

.EXAMPLE
    ./build.ps1 -Package

.EXAMPLE
    ./build.ps1 -Configuration Debug -Native
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [switch] $Package,
    [switch] $SkipTests,
    [switch] $Native
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# Exit codes are checked explicitly below, with a message naming the step.
$PSNativeCommandUseErrorActionPreference = $false

# Runs a native command and throws when it exits with a non-zero code.
function Invoke-Native {
    param([string] $What, [scriptblock] $Command)
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE." }
}

# A PowerShell single-quoted literal for any string.
function ConvertTo-PSLiteral([string] $Text) { "'" + $Text.Replace("'", "''") + "'" }

$root = $PSScriptRoot
$solution = Join-Path $root 'CertHeal.sln'
$moduleOut = Join-Path $root 'out/CertHeal'

# 1. Build.
Invoke-Native 'dotnet build' { dotnet build $solution -c $Configuration }

# 2. Assemble the module folder.
if (Test-Path $moduleOut) {
    try { Remove-Item $moduleOut -Recurse -Force }
    catch { throw "Cannot remove $moduleOut ($($_.Exception.Message)). Close the PowerShell sessions that imported the module from there, then build again." }
}
# src/CertHeal's AssembleModule target (run by the build) is the one definition of the module
# folder; the PowerShell tests import the same folder.
$assembled = Join-Path $root "src/CertHeal/bin/$Configuration/module/CertHeal"
foreach ($file in 'CertHeal.psd1', 'CertHeal.dll', 'CertHeal.Engine.dll', 'BouncyCastle.Cryptography.dll', 'CertHeal.Format.ps1xml', 'CertHeal.Types.ps1xml', 'en-US/CertHeal.dll-Help.xml', 'en-US/about_CertHeal.help.txt', 'LICENSE') {
    if (-not (Test-Path (Join-Path $assembled $file))) { throw "The build did not assemble $file in $assembled." }
}
New-Item -ItemType Directory -Path (Split-Path $moduleOut) -Force | Out-Null
Copy-Item -Path $assembled -Destination $moduleOut -Recurse
Write-Host "Module assembled in $moduleOut"
# The manifest as the Gallery and Import-Module read it.
$tested = Test-ModuleManifest -Path (Join-Path $moduleOut 'CertHeal.psd1') -ErrorAction Stop
Write-Host "Test-ModuleManifest: $($tested.Name) $($tested.Version), $($tested.ExportedCmdlets.Count) cmdlets"

# The native certheal: always Release, with its own intermediate folders (--artifacts-path), so
# the dev build's obj/ and bin/ stay as they were.
$nativeCli = Join-Path $root 'out/native/certheal'
if ($Native) {
    if (-not $IsLinux) { throw 'The native certheal is published for linux-x64; run -Native on Linux.' }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    Invoke-Native 'dotnet publish (native certheal)' {
        dotnet publish (Join-Path $root 'src/CertHeal.Cli') -c Release -r linux-x64 -p:PublishAot=true `
            --artifacts-path (Join-Path $root 'out/native-build') -o (Split-Path $nativeCli)
    }
    $version = & $nativeCli --version
    if ($LASTEXITCODE -ne 0 -or $version -ne $tested.Version.ToString()) { throw "The native certheal at $nativeCli does not run (exit $LASTEXITCODE, version '$version')." }
    Write-Host ("Native certheal {0} in {1} ({2:0} s)" -f $version, $nativeCli, $clock.Elapsed.TotalSeconds)
}

# 3. Tests.
if (-not $SkipTests) {
    # One project at a time, each with --blame: when a test host dies natively (no managed stack,
    # as for the rare glibc "double free" abort seen twice in CI and not reproduced since), the
    # log names the tests that were running. Such a crash reruns that project once, loudly; a
    # second crash, or any failed test, fails the run.
    $testProjects = Get-ChildItem (Join-Path $root 'tests') -Filter '*.Tests.csproj' -Recurse | Sort-Object Name
    $failedProjects = @()
    foreach ($project in $testProjects) {
        $log = Join-Path ([IO.Path]::GetTempPath()) "certheal-$($project.BaseName)-$PID.log"
        foreach ($attempt in 1, 2) {
            dotnet test $project.FullName -c $Configuration --no-build --blame 2>&1 | Tee-Object -FilePath $log | Out-Host
            $exit = $LASTEXITCODE
            if ($exit -eq 0) { break }
            $crashed = Select-String -Path $log -Pattern 'Test host process crashed|host process exited unexpectedly' -Quiet
            if (-not $crashed -or $attempt -eq 2) {
                $failedProjects += "$($project.BaseName) (exit code $exit)"
                break
            }
            Write-Warning "The test host of $($project.BaseName) crashed natively (the tests it was running are named above); running that project once more."
        }
        Remove-Item $log -ErrorAction SilentlyContinue
    }
    if ($Native) {
        # The real-process CLI tests once more, each certheal a native one (CliProcess reads
        # CERTHEAL_CLI), and NativeCliTests beside the dotnet tool.
        $cliClasses = 'CliUsageTests', 'NamedFingerprintCliTests', 'ChangedCliTests', 'ForgetTests', 'NssForgetTests', 'LedgerSyncTests',
            'DistrustMergeTests', 'RevokedNeverWrittenTests', 'RequestWebOptionsTests', 'OpenSslInteropTests', 'ProbeRunMachineStoreTests', 'NativeCliTests'
        $filter = ($cliClasses | ForEach-Object { "FullyQualifiedName~.$_." }) -join '|'
        $engineTests = Join-Path $root 'tests/CertHeal.Engine.Tests'
        $savedCli = $env:CERTHEAL_CLI
        $env:CERTHEAL_CLI = $nativeCli
        try { dotnet test $engineTests -c $Configuration --no-build --filter $filter 2>&1 | Out-Host }
        finally { $env:CERTHEAL_CLI = $savedCli }
        if ($LASTEXITCODE -ne 0) { $failedProjects += "CertHeal.Engine.Tests against the native certheal (exit code $LASTEXITCODE)" }
    }
    # Every project runs before the verdict, so one run reports every failure.
    if ($failedProjects) { throw "dotnet test failed: $($failedProjects -join ', '); see the output above." }

    # tools/test.sh hands over the pinned Pester it restored from NuGet.
    $pester = if ($env:CERTHEAL_PESTER) { Get-Item $env:CERTHEAL_PESTER } else {
        Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0.0' | Sort-Object Version -Descending | Select-Object -First 1
    }
    if ($pester) {
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        if (-not (Test-Path $pwsh)) { $pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source }
        # The child's script; __PESTER__ and __TESTS__ become quoted literals below.
        $pesterTemplate = {
            Import-Module -Name __PESTER__ -ErrorAction Stop
            $config = New-PesterConfiguration
            $config.Run.Path = __TESTS__
            $config.Run.Exit = $false
            $config.Run.PassThru = $true
            $config.Output.Verbosity = 'Detailed'
            $result = Invoke-Pester -Configuration $config
            Write-Host "Pester: $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped"
            if ($result.Result -ne 'Passed' -or $result.FailedCount -gt 0) {
                Write-Host "Pester: $($result.FailedCount) tests failed (result: $($result.Result))."
                exit 1
            }
            exit 0
        }
        $pesterScript = $pesterTemplate.ToString()
        $pesterScript = $pesterScript.Replace('__PESTER__', (ConvertTo-PSLiteral ($pester -is [System.IO.FileInfo] ? $pester.FullName : $pester.Path)))
        $pesterScript = $pesterScript.Replace('__TESTS__', (ConvertTo-PSLiteral (Join-Path $root 'tests')))
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($pesterScript))
        # Start-CertHealLab (tests/TestHelpers.ps1) runs the lab host of this configuration.
        $savedConfiguration = $env:CERTHEAL_CONFIGURATION
        $env:CERTHEAL_CONFIGURATION = $Configuration
        try { & $pwsh -NoProfile -NonInteractive -OutputFormat Text -EncodedCommand $encoded }
        finally { $env:CERTHEAL_CONFIGURATION = $savedConfiguration }
        if ($LASTEXITCODE -ne 0) { throw "The Pester tests failed (exit code $LASTEXITCODE); see the output above." }
    }
    else {
        throw 'Pester 5 is not installed: run tools/test.sh (it restores the pinned Pester), or Install-Module Pester -MinimumVersion 5.0.0.'
    }
}

# 4. Package.
if ($Package) {
    $repoPath = Join-Path $root 'out/repo'
    if (Test-Path $repoPath) { Remove-Item $repoPath -Recurse -Force }
    New-Item -ItemType Directory -Path $repoPath | Out-Null
    $name = 'CertHealLocal'
    if (Get-Module -ListAvailable Microsoft.PowerShell.PSResourceGet) {
        Import-Module Microsoft.PowerShell.PSResourceGet
        if (Get-PSResourceRepository -Name $name -ErrorAction SilentlyContinue) { Unregister-PSResourceRepository -Name $name }
        Register-PSResourceRepository -Name $name -Uri $repoPath -Trusted
        try { Publish-PSResource -Path $moduleOut -Repository $name }
        finally { Unregister-PSResourceRepository -Name $name }
    }
    elseif (Get-Command Publish-Module -ErrorAction SilentlyContinue) {
        if (Get-PSRepository -Name $name -ErrorAction SilentlyContinue) { Unregister-PSRepository -Name $name }
        Register-PSRepository -Name $name -SourceLocation $repoPath -PublishLocation $repoPath -InstallationPolicy Trusted
        try { Publish-Module -Path $moduleOut -Repository $name }
        finally { Unregister-PSRepository -Name $name }
    }
    else {
        throw 'Packaging needs Microsoft.PowerShell.PSResourceGet (Install-Module Microsoft.PowerShell.PSResourceGet) or PowerShellGet.'
    }
    $packages = @(Get-ChildItem $repoPath -Filter 'CertHeal*.nupkg')
    if ($packages.Count -eq 0) { throw "Publishing produced no CertHeal .nupkg in $repoPath." }
    foreach ($nupkg in $packages) { Write-Host "Package: $($nupkg.FullName)" }
}
