#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# A real console: pwsh in a tmux terminal, driven by keystrokes, asserted on the screen text, as
# a person at 3 a.m. sees it. Every wait is bounded; a failure prints the screen it saw.

BeforeDiscovery {
    $script:noTmux = -not (Get-Command tmux -CommandType Application -ErrorAction SilentlyContinue)
}

BeforeAll {
    $manifest = Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1'
    Import-Module $manifest -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    $script:session = "certheal-console-$PID"
    # The pwsh this suite runs on (tools/test.sh names it; the dotnet-tool pwsh's process is dotnet).
    $script:pwsh = if ($env:CERTHEAL_PWSH) { $env:CERTHEAL_PWSH } else { (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source }
    $script:work = Join-Path ([System.IO.Path]::GetTempPath()) "certheal-console-$PID"
    New-Item -ItemType Directory -Path $work -Force | Out-Null

    function Get-Screen { (& tmux capture-pane -p -J -t $session) -join "`n" }

    function Send-Line([string] $Text) {
        & tmux send-keys -t $session -l $Text
        & tmux send-keys -t $session Enter
    }

    # Waits until the screen matches, or throws with the screen it last saw.
    function Wait-Screen([string] $Pattern, [int] $TimeoutSec = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while ([DateTime]::UtcNow -lt $deadline) {
            $screen = Get-Screen
            if ($screen -match $Pattern) { return $screen }
            Start-Sleep -Milliseconds 200
        }
        throw "The console did not show /$Pattern/ within $TimeoutSec s. Screen:`n$(Get-Screen)"
    }

    # The prompt is back when the last non-empty line is a fresh prompt.
    function Wait-Prompt([int] $TimeoutSec = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while ([DateTime]::UtcNow -lt $deadline) {
            $last = @((Get-Screen) -split "`n" | Where-Object { $_.Trim() }) | Select-Object -Last 1
            if ($last -and $last.TrimEnd() -match '^PS .*>$') { return }
            Start-Sleep -Milliseconds 200
        }
        throw "The prompt did not come back within $TimeoutSec s. Screen:`n$(Get-Screen)"
    }

    function Clear-Console { Send-Line 'Clear-Host'; Start-Sleep -Milliseconds 300; & tmux clear-history -t $session }

    # A loopback server that accepts and never answers, counting connections into a file: each
    # probe waits for its timeout, so a run lasts long enough to watch and to interrupt.
    $script:countFile = Join-Path $work 'connections.txt'
    $silent = Join-Path $work 'silent.py'
    Set-Content -Path $silent -Value @'
import socket, sys, threading, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(1024)
print(s.getsockname()[1], flush=True)
held, count = [], 0
def report():
    while True:
        time.sleep(0.2)
        with open(sys.argv[1], "w") as f: f.write(str(count))
threading.Thread(target=report, daemon=True).start()
deadline = time.time() + 600
while time.time() < deadline:
    c, _ = s.accept(); count += 1; held.append(c)
'@
    $info = [System.Diagnostics.ProcessStartInfo]::new('python3')
    $info.ArgumentList.Add($silent); $info.ArgumentList.Add($countFile)
    $info.RedirectStandardOutput = $true
    $script:silentServer = [System.Diagnostics.Process]::Start($info)
    $script:silentPort = [int]$silentServer.StandardOutput.ReadLine()

    & tmux kill-session -t $session 2>$null
    & tmux new-session -d -s $session -x 200 -y 50 "$pwsh -NoProfile -NoLogo"
    Wait-Screen 'PS .*>' 30 | Out-Null
    Send-Line "Import-Module '$manifest'; `$env:CERTHEAL_LEDGER = '$(Join-Path $work 'ledger.json')'; Set-Location '$work'"
    Wait-Prompt 30
}

AfterAll {
    & tmux kill-session -t $session 2>$null
    if ($silentServer -and -not $silentServer.HasExited) { $silentServer.Kill() }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'CertHeal in a real console (tmux)' -Skip:$noTmux {
    It 'renders the progress of a 1,000-target Test-TlsHandshake and ends it' {
        Clear-Console
        Send-Line "`$r = 1..1000 | ForEach-Object { '127.0.0.1:$silentPort' } | Test-TlsHandshake -TimeoutSec 1 -ThrottleLimit 100; 'DONE ' + `$r.Count"
        Wait-Screen 'Test-TlsHandshake \[\d+ of 1000' 30 | Out-Null
        $screen = Wait-Screen 'DONE 1000' 120
        Wait-Prompt 10
        $screen | Should -Not -Match 'Test-TlsHandshake \[\d+ of 1000' -Because 'the progress bar is removed when the run ends'
    }

    It 'returns the prompt on Ctrl+C during a 1,000-target run, and starts no handshake after it' {
        Clear-Console
        Send-Line "`$r = 1..1000 | ForEach-Object { '127.0.0.1:$silentPort' } | Test-TlsHandshake -TimeoutSec 2 -ThrottleLimit 50; 'DONE ' + `$r.Count"
        Wait-Screen 'Test-TlsHandshake \[\d+ of 1000' 30 | Out-Null
        $pressed = [Diagnostics.Stopwatch]::StartNew()
        & tmux send-keys -t $session C-c
        Wait-Prompt 30
        Write-Host "Ctrl+C to prompt: $($pressed.ElapsedMilliseconds) ms"
        Start-Sleep -Milliseconds 500
        $before = [int](Get-Content $countFile)
        Start-Sleep -Seconds 2
        [int](Get-Content $countFile) | Should -Be $before -Because 'no connection starts after Ctrl+C'
        Get-Screen | Should -Not -Match 'DONE 1000'
    }

    It 'returns the prompt on Ctrl+C during a large merge, and the next merge gets the lock' {
        $store = Join-Path $work 'large.pem'
        $incoming = Join-Path $work 'incoming.pem'
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $pem = { param($n) $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=Console $n", $key, 'SHA256')
            $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
            $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30)).ExportCertificatePem() }
        Set-Content -Path $store -Value ((1..4000 | ForEach-Object { & $pem "store $_" }) -join "`n")
        Set-Content -Path $incoming -Value ((1..4000 | ForEach-Object { & $pem "incoming $_" }) -join "`n")
        $hash = (Get-FileHash $store).Hash

        Clear-Console
        Send-Line "Merge-Keystore -Path '$store' -Certificate '$incoming' -TrustPolicy TrustOnFirstUse -Force; 'MERGED'"
        Start-Sleep -Milliseconds 800
        & tmux send-keys -t $session C-c
        Wait-Prompt 60
        # The command line itself says 'MERGED': only an output line of its own counts.
        $interrupted = (Get-Screen) -notmatch '(?m)^MERGED\s*$'
        if ($interrupted) { (Get-FileHash $store).Hash | Should -Be $hash -Because 'an interrupted merge leaves the old store' }

        $one = Join-Path $work 'one.pem'
        Set-Content -Path $one -Value (& $pem 'after the interrupt')
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $change = Merge-Keystore -Path $store -Certificate $one -TrustPolicy TrustOnFirstUse -Force
        Write-Host "The next merge got the lock and wrote in $($clock.ElapsedMilliseconds) ms."
        $change.Written | Should -BeTrue
        if (-not $interrupted) { Set-ItResult -Inconclusive -Because 'the merge finished before Ctrl+C reached it on this machine' }
    }

    It 'asks before trusting a new root on first use, and Y and N do what they say' {
        $store = Join-Path $work 'tofu.pem'
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=Console TOFU', $key, 'SHA256')
        $self = Join-Path $work 'tofu-root.pem'
        Set-Content -Path $self -Value $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30)).ExportCertificatePem()

        Clear-Console
        Send-Line "Merge-Keystore -Path '$store' -Certificate '$self' -TrustPolicy TrustOnFirstUse; 'ASKED-N'"
        Wait-Screen '\[Y\] Yes' 30 | Should -Match 'SHA-256'
        Send-Line 'N'
        Wait-Screen '(?m)^ASKED-N\s*$' 30 | Out-Null
        Wait-Prompt 10
        Test-Path $store | Should -BeFalse -Because 'N refuses the new anchor'

        Clear-Console
        Send-Line "Merge-Keystore -Path '$store' -Certificate '$self' -TrustPolicy TrustOnFirstUse | Select-Object -ExpandProperty Written"
        Wait-Screen '\[Y\] Yes' 30 | Out-Null
        Send-Line 'Y'
        Wait-Screen '(?m)^True\s*$' 30 | Out-Null
        Wait-Prompt 10
        (Get-Content $store -Raw) | Should -Match 'BEGIN CERTIFICATE'
    }

    It 'completes keystore paths and pinned fingerprints with Tab' {
        $folder = Join-Path $work 'complete'
        New-Item -ItemType Directory -Path $folder -Force | Out-Null
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $certificate = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=Console Completion', $key, 'SHA256').CreateSelfSigned(
            [DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30))
        Set-Content -Path (Join-Path $folder 'truststore-only.pem') -Value $certificate.ExportCertificatePem()
        Set-Content -Path (Join-Path $folder 'notes.txt') -Value 'not a keystore'
        $fingerprint = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($certificate.RawData))
        $certPath = Join-Path $folder 'truststore-only.pem'

        Clear-Console
        Send-Line "Set-Location '$folder'"
        Wait-Prompt 10
        & tmux send-keys -t $session -l 'Confirm-Keystore -Path ./tru'
        & tmux send-keys -t $session Tab
        Wait-Screen 'truststore-only\.pem' 15 | Out-Null
        & tmux send-keys -t $session C-c
        Wait-Prompt 10

        Send-Line "`$root = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new('$certPath')"
        Wait-Prompt 10
        & tmux send-keys -t $session -l '$root | Merge-Keystore -Path ./pinned.pem -TrustPolicy Pinned -TrustedFingerprint '
        & tmux send-keys -t $session Tab
        Wait-Screen $fingerprint 15 | Out-Null
        & tmux send-keys -t $session C-c
        Wait-Prompt 10
        Set-Location $PSScriptRoot
    }
}
