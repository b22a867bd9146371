#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Register-KeystoreHook writes the update-ca-certificates and APT hooks, once. The hooks really
# firing (update-ca-certificates, apt-get, a JDK package upgrade) is the engine suite's
# HooksNamespaceTests, in a mount namespace.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'KeystoreHook.Shared.ps1')
    $savedRoot = $env:CERTHEAL_SYSTEM_ROOT
}

AfterAll {
    $env:CERTHEAL_SYSTEM_ROOT = $savedRoot
}

Describe 'Register-KeystoreHook' -Skip:(-not $IsLinux) {
    BeforeEach {
        $hook = New-HookRoot
        $env:CERTHEAL_SYSTEM_ROOT = $hook.Root
    }

    It 'installs both hooks, and a rerun changes nothing' {
        $first = Register-KeystoreHook -CliPath $hook.Cli -ErrorAction Stop
        $first.Count | Should -Be 2
        $first.Changed | Should -Not -Contain $false
        $first.State | Should -Not -Contain 'Absent'
        $script = Join-Path $hook.Root 'etc/ca-certificates/update.d/certheal'
        $before = Get-Item -LiteralPath $script
        (Get-Content -LiteralPath $script -Raw) | Should -Match 'sync --hook --ledger'

        $second = Register-KeystoreHook -CliPath $hook.Cli -ErrorAction Stop

        $second.Changed | Should -Not -Contain $true
        (Get-Item -LiteralPath $script).LastWriteTimeUtc | Should -Be $before.LastWriteTimeUtc
    }

    It 'writes nothing with -WhatIf' {
        $plan = Register-KeystoreHook -CliPath $hook.Cli -WhatIf
        $plan.Changed | Should -Not -Contain $false
        Get-ChildItem -LiteralPath (Join-Path $hook.Root 'etc') -Recurse -File | Should -BeNullOrEmpty
    }

    It 'names a missing certheal with CertHeal.CliNotFound' {
        { Register-KeystoreHook -CliPath (Join-Path $hook.Root 'nope') -ErrorAction Stop } | Should -Throw -ErrorId 'CertHeal.CliNotFound*'
    }
}
