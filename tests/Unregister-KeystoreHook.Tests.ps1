#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Unregister-KeystoreHook removes CertHeal's hook files and nothing else.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'KeystoreHook.Shared.ps1')
    $savedRoot = $env:CERTHEAL_SYSTEM_ROOT
}

AfterAll {
    $env:CERTHEAL_SYSTEM_ROOT = $savedRoot
}

Describe 'Unregister-KeystoreHook' -Skip:(-not $IsLinux) {
    BeforeEach {
        $hook = New-HookRoot
        $env:CERTHEAL_SYSTEM_ROOT = $hook.Root
        Register-KeystoreHook -CliPath $hook.Cli -ErrorAction Stop | Out-Null
    }

    It 'removes both hooks, and a rerun changes nothing' {
        $removed = Unregister-KeystoreHook -ErrorAction Stop
        $removed.State | Should -Not -Contain 'Installed'
        $removed.Changed | Should -Not -Contain $false
        (Unregister-KeystoreHook -ErrorAction Stop).Changed | Should -Not -Contain $true
    }

    It 'keeps the files with -WhatIf' {
        Unregister-KeystoreHook -WhatIf | Out-Null
        Join-Path $hook.Root 'etc/apt/apt.conf.d/80certheal' | Should -Exist
    }

    It 'leaves a file it did not write, with CertHeal.HookFailed' {
        $foreign = Join-Path $hook.Root 'etc/apt/apt.conf.d/80certheal'
        Set-Content -LiteralPath $foreign -Value 'DPkg::Post-Invoke { "true"; };'
        { Unregister-KeystoreHook -Kind DpkgPostInvoke -ErrorAction Stop } | Should -Throw -ErrorId 'CertHeal.HookFailed*'
        $foreign | Should -Exist
    }
}
