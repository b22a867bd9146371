using System.Text.Json;
using CertHeal.Chains;
using CertHeal.Lab;

namespace CertHeal.Tests.Hooks;

/// <summary>
/// `certheal hook` and the Debian-way merge as a user meets them, in a system root of the test's
/// own ($CERTHEAL_SYSTEM_ROOT): the hook files, idempotency, --what-if, what remove leaves alone,
/// and an update-ca-certificates stand-in that records whether it ran. The real tools run in
/// <see cref="HooksNamespaceTests"/>. Debian hooks are Linux-only, as is the CI that runs these.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HookCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("certheal-hookroot-").FullName;

    public HookCliTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc", "ca-certificates", "update.d"));
        Directory.CreateDirectory(Path.Combine(_root, "etc", "apt", "apt.conf.d"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string UpdateHook => Path.Combine(_root, "etc", "ca-certificates", "update.d", "certheal");

    private string AptHook => Path.Combine(_root, "etc", "apt", "apt.conf.d", "80certheal");

    [Fact]
    public async Task Install_twice_writes_once_and_leaves_the_files_byte_identical_with_their_times()
    {
        var (code, stdout, stderr) = await RunAsync("hook", "install", "--json");
        Assert.True(code == 0, stderr);
        var first = Hooks(stdout);
        Assert.All(first, h => Assert.True(h.GetProperty("Changed").GetBoolean()));
        Assert.All(first, h => Assert.Equal("Installed", h.GetProperty("State").GetString()));
        var bytes = (await File.ReadAllBytesAsync(UpdateHook), await File.ReadAllBytesAsync(AptHook));
        var times = (File.GetLastWriteTimeUtc(UpdateHook), File.GetLastWriteTimeUtc(AptHook));
        Assert.True((File.GetUnixFileMode(UpdateHook) & UnixFileMode.UserExecute) != 0, "update-ca-certificates runs only executable hooks");
        Assert.Contains("DPkg::Post-Invoke", await File.ReadAllTextAsync(AptHook));
        Assert.Contains("sync --hook --ledger", await File.ReadAllTextAsync(UpdateHook));
        Assert.Contains(Path.Combine(_root, "var", "lib", "certheal", "ledger.json"), await File.ReadAllTextAsync(UpdateHook));

        (code, stdout, _) = await RunAsync("hook", "install", "--json");

        Assert.Equal(0, code);
        Assert.All(Hooks(stdout), h => Assert.False(h.GetProperty("Changed").GetBoolean()));
        Assert.Equal(bytes.Item1, await File.ReadAllBytesAsync(UpdateHook));
        Assert.Equal(bytes.Item2, await File.ReadAllBytesAsync(AptHook));
        Assert.Equal(times, (File.GetLastWriteTimeUtc(UpdateHook), File.GetLastWriteTimeUtc(AptHook)));
    }

    [Fact]
    public async Task Status_exits_1_until_installed_and_reports_a_hook_for_another_ledger_as_stale()
    {
        var (code, stdout, _) = await RunAsync("hook", "status", "--json");
        Assert.Equal(1, code);
        Assert.All(Hooks(stdout), h => Assert.Equal("Absent", h.GetProperty("State").GetString()));

        await RunAsync("hook", "install");
        (code, _, _) = await RunAsync("hook", "status");
        Assert.Equal(0, code);

        (code, stdout, _) = await RunAsync("hook", "status", "--ledger", Path.Combine(_root, "other.json"), "--json");
        Assert.Equal(1, code);
        Assert.All(Hooks(stdout), h => Assert.Equal("Stale", h.GetProperty("State").GetString()));
    }

    [Fact]
    public async Task What_if_writes_nothing_and_remove_deletes_only_our_files()
    {
        var (code, stdout, _) = await RunAsync("hook", "install", "--what-if", "--json");
        Assert.Equal(0, code);
        Assert.All(Hooks(stdout), h => Assert.True(h.GetProperty("Changed").GetBoolean()));
        Assert.False(File.Exists(UpdateHook));
        Assert.False(File.Exists(AptHook));

        await RunAsync("hook", "install", "--kind", "UpdateCaCertificates");
        await File.WriteAllTextAsync(AptHook, "// someone else's file\nDPkg::Post-Invoke { \"true\"; };\n");

        (code, _, var stderr) = await RunAsync("hook", "remove", "--kind", "DpkgPostInvoke");
        Assert.Equal(2, code);
        Assert.Contains("was not written by CertHeal", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.True(File.Exists(AptHook));

        (code, stdout, _) = await RunAsync("hook", "remove", "--kind", "UpdateCaCertificates", "--what-if", "--json");
        Assert.Equal(0, code);
        Assert.True(Hooks(stdout).Single().GetProperty("Changed").GetBoolean());
        Assert.True(File.Exists(UpdateHook));

        (code, stdout, _) = await RunAsync("hook", "remove", "--kind", "UpdateCaCertificates", "--json");
        Assert.Equal(0, code);
        Assert.False(File.Exists(UpdateHook));
        (code, stdout, _) = await RunAsync("hook", "remove", "--kind", "UpdateCaCertificates", "--json");
        Assert.Equal(0, code);
        Assert.False(Hooks(stdout).Single().GetProperty("Changed").GetBoolean());
    }

    [Fact]
    public async Task Bad_input_is_one_sentence_and_exit_2()
    {
        var (code, _, stderr) = await RunAsync("hook", "enable");
        Assert.Equal(2, code);
        Assert.Contains("install, remove or status", stderr);

        (code, _, stderr) = await RunAsync("hook", "install", "--cli", Path.Combine(_root, "no-such-certheal"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);
        Assert.DoesNotContain("   at ", stderr);

        Directory.Delete(Path.Combine(_root, "etc", "apt"), recursive: true);
        (code, _, stderr) = await RunAsync("hook", "install", "--kind", "DpkgPostInvoke");
        Assert.Equal(2, code);
        Assert.Contains("not a Debian system with APT", stderr);
    }

    [Fact]
    public async Task Sync_in_hook_mode_applies_no_ledger_a_user_could_write_and_exits_0()
    {
        // The test's root lives under /tmp, which every user can write: the very case the check refuses.
        var ledger = Path.Combine(_root, "var", "lib", "certheal", "ledger");
        Directory.CreateDirectory(Path.Combine(ledger, "entries"));
        Directory.CreateDirectory(Path.Combine(_root, "var", "log"));

        var (code, stdout, stderr) = await RunAsync("sync", "--hook", "--json");

        Assert.True(code == 0, stderr);
        var log = JsonDocument.Parse(stdout).RootElement.GetProperty("Log").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Contains(log, l => l!.Contains("was not applied", StringComparison.Ordinal) && l.Contains("writable by a group or other users", StringComparison.Ordinal));
        Assert.Contains("was not applied", await File.ReadAllTextAsync(Path.Combine(_root, "var", "log", "certheal.log")));
    }

    [Fact]
    public async Task A_Debian_way_merge_plans_with_what_if_without_running_anything_and_a_failing_update_ca_certificates_is_one_sentence()
    {
        using var lab = LabHierarchy.Create("Hook Cli");
        var bundle = Path.Combine(_root, "etc", "ssl", "certs", "ca-certificates.crt");
        Directory.CreateDirectory(Path.GetDirectoryName(bundle)!);
        Directory.CreateDirectory(Path.Combine(_root, "usr", "local", "share", "ca-certificates"));
        Directory.CreateDirectory(Path.Combine(_root, "usr", "sbin"));
        using (var other = LabHierarchy.Create("Hook Cli Distro"))
        {
            await File.WriteAllTextAsync(bundle, other.Root.ExportCertificatePem() + "\n");
        }
        var tool = Path.Combine(_root, "usr", "sbin", "update-ca-certificates");
        var ran = Path.Combine(_root, "ran");
        await File.WriteAllTextAsync(tool, $"#!/bin/sh\necho \"$@\" >> '{ran}'\necho 'E: the stand-in failed' >&2\nexit 1\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var rootPem = Path.Combine(_root, "root.pem");
        await File.WriteAllTextAsync(rootPem, lab.Root.ExportCertificatePem() + "\n");
        var before = await File.ReadAllBytesAsync(bundle);
        string[] merge = ["merge", bundle, rootPem, "--policy", "Pinned", "--trusted-fingerprint", CertificateFacts.Sha256Fingerprint(lab.Root),
            "--ledger", Path.Combine(_root, "ledger.json")];

        var (code, stdout, stderr) = await RunAsync([.. merge, "--what-if", "--json"]);

        Assert.True(code == 0, stderr);
        Assert.True(JsonDocument.Parse(stdout).RootElement.GetProperty("Changed").GetBoolean());
        Assert.False(File.Exists(ran));
        Assert.False(Directory.Exists(Path.Combine(_root, "usr", "local", "share", "ca-certificates", "certheal")));
        Assert.Equal(before, await File.ReadAllBytesAsync(bundle));

        (code, _, stderr) = await RunAsync(merge);

        Assert.Equal(2, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("exited with 1 (E: the stand-in failed)", stderr);
        Assert.Contains("run update-ca-certificates", stderr);
        Assert.Contains("--localcertsdir", await File.ReadAllTextAsync(ran));
        var source = Assert.Single(Directory.GetFiles(Path.Combine(_root, "usr", "local", "share", "ca-certificates", "certheal"), "*.crt"));
        Assert.EndsWith(".crt", source);
        Assert.Equal(lab.Root.ExportCertificatePem() + "\n", await File.ReadAllTextAsync(source));
        Assert.Equal(before, await File.ReadAllBytesAsync(bundle));
    }

    [Fact]
    public async Task Hook_help_shows_its_usage_with_three_examples_and_sync_shows_hook_mode()
    {
        var (code, stdout, _) = await RunAsync("hook", "--help");

        Assert.Equal(0, code);
        Assert.Contains("certheal hook install|remove|status", stdout);
        Assert.Equal(3, stdout.Split('\n').Count(l => l.TrimStart().StartsWith("sudo certheal hook", StringComparison.Ordinal) || l.TrimStart().StartsWith("certheal hook status", StringComparison.Ordinal)));
        Assert.Contains("Exit codes", stdout);
        (code, stdout, _) = await RunAsync("sync", "--help");
        Assert.Equal(0, code);
        Assert.Contains("certheal sync --hook", stdout);
    }

    private static List<JsonElement> Hooks(string json) => [.. JsonDocument.Parse(json).RootElement.EnumerateArray()];

    private Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        Tools.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "certheal.dll"), .. args],
            environment: new Dictionary<string, string> { ["CERTHEAL_SYSTEM_ROOT"] = _root, ["CERTHEAL_SYSLOG_SOCKET"] = Path.Combine(_root, "no-syslog") });
}
