#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Get-KeystoreHook reports Installed, Absent or Stale and writes nothing.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'KeystoreHook.Shared.ps1')
    $savedRoot = $env:CERTHEAL_SYSTEM_ROOT
}

AfterAll {
    $env:CERTHEAL_SYSTEM_ROOT = $savedRoot
}

Describe 'Get-KeystoreHook' -Skip:(-not $IsLinux) {
    BeforeEach {
        $hook = New-HookRoot
        $env:CERTHEAL_SYSTEM_ROOT = $hook.Root
    }

    It 'reports Absent, then Installed, then Stale for another ledger' {
        (Get-KeystoreHook -CliPath $hook.Cli).State | Should -Be @('Absent', 'Absent')
        Register-KeystoreHook -CliPath $hook.Cli -ErrorAction Stop | Out-Null
        (Get-KeystoreHook -CliPath $hook.Cli).State | Should -Be @('Installed', 'Installed')
        (Get-KeystoreHook UpdateCaCertificates -CliPath $hook.Cli -LedgerPath (Join-Path $TestDrive 'other.json')).State | Should -Be 'Stale'
    }

    It 'emits typed objects with the table view' {
        $status = Get-KeystoreHook -CliPath $hook.Cli
        $status[0].PSObject.TypeNames[0] | Should -Be 'CertHeal.KeystoreHook'
        ($status | Format-Table | Out-String -Width 80) | Should -Match 'Kind\s+State\s+Changed\s+Path'
    }
}
