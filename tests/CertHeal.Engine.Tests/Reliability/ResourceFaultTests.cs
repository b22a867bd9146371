using CertHeal.Keystores;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// The file system refuses the write: read-only file, read-only folder, the folder removed
/// mid-write, a full disk, a path where rename-over fails. Each is one KeystoreException with
/// a kind and a sentence naming the keystore, and the original stays byte-identical.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ResourceFaultTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = ReliabilityKit.NewFolder("fault");
    private readonly List<string> _undo = [];

    private static KeystoreException MergeFails(string store, int newCertificates = 3)
    {
        using var pw = KeystorePassword.FromString(ReliabilityKit.Password);
        var error = Assert.Throws<KeystoreException>(() => KeystoreFile.Update(store, null, pw,
            keystore => Keystores.KeystoreTestKit.AddTo(keystore, ReliabilityKit.Certificates("fault-new", newCertificates))));
        Assert.Contains(store, error.Message);
        Assert.DoesNotContain(ReliabilityKit.Password, error.ToString());
        return error;
    }

    private string NewStore(string folder, string name, int entries = 5)
    {
        var store = Path.Combine(folder, name);
        ReliabilityKit.CreateStore(store, ReliabilityKit.Certificates("fault-base", entries));
        return store;
    }

    private static string[] Siblings(string store) =>
        Directory.GetFiles(Path.GetDirectoryName(store)!).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).Order().ToArray();

    private async Task<bool> Root(string file, params string[] args)
    {
        try
        {
            var (code, _, stderr) = await Tools.RunAsync(file, args);
            if (code != 0)
            {
                output.WriteLine($"{file} {string.Join(' ', args)}: {stderr.Trim()}");
            }
            return code == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    [Theory]
    [InlineData("ro.jks")]
    [InlineData("ro.p12")]
    [InlineData("ro.pem")]
    public async Task Read_only_file_is_refused_and_untouched(string name)
    {
        var store = NewStore(_folder, name);
        var before = File.ReadAllBytes(store);
        var siblings = Siblings(store);
        // chmod does not stop root: make the file immutable, which does.
        Assert.True(await Root("chattr", "+i", store), "chattr +i failed");
        _undo.Add(store);

        var error = MergeFails(store);

        Assert.Equal(KeystoreErrorKind.ReadOnly, error.Kind);
        Assert.Equal(before, File.ReadAllBytes(store));
        Assert.Equal(siblings, Siblings(store));
    }

    [Fact]
    public async Task Read_only_folder_is_refused_and_untouched()
    {
        var folder = Path.Combine(_folder, "ro-folder");
        Directory.CreateDirectory(folder);
        var store = NewStore(folder, "store.jks");
        File.Delete(store + ".lock");
        var before = File.ReadAllBytes(store);
        var siblings = Siblings(store);
        Assert.True(await Root("chattr", "+i", folder), "chattr +i failed");
        _undo.Add(folder);

        var error = MergeFails(store);

        Assert.Equal(KeystoreErrorKind.ReadOnly, error.Kind);
        Assert.Equal(before, File.ReadAllBytes(store));
        Assert.Equal(siblings, Siblings(store));
    }

    [Theory]
    [InlineData(nameof(KeystoreFaultPoints.AfterTempWrite))]
    [InlineData(nameof(KeystoreFaultPoints.AfterFlush))]
    [InlineData(nameof(KeystoreFaultPoints.BeforeRename))]
    public void Folder_removed_mid_write_is_one_NotFound_error_and_nothing_is_recreated(string point)
    {
        var folder = Path.Combine(_folder, "vanishing-" + point);
        Directory.CreateDirectory(folder);
        var store = NewStore(folder, "store.pem");
        KeystoreFaultPoints.Hook = (reached, path) =>
        {
            if (reached == point && path == store)
            {
                Directory.Delete(folder, recursive: true);
            }
        };
        try
        {
            var error = MergeFails(store);

            Assert.Equal(KeystoreErrorKind.NotFound, error.Kind);
            Assert.False(Directory.Exists(folder));
        }
        finally
        {
            KeystoreFaultPoints.Hook = null;
        }
    }

    [SkippableTheory]
    [InlineData("full.pem")]
    [InlineData("full.jks")]
    [InlineData("full.p12")]
    public async Task Disk_full_is_one_clear_error_and_the_original_is_untouched(string name)
    {
        var mount = Path.Combine(_folder, "tmpfs-" + Path.GetExtension(name).TrimStart('.'));
        Directory.CreateDirectory(mount);
        Skip.IfNot(await Root("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount),
            "this user may not mount a tmpfs (needs root with CAP_SYS_ADMIN), so a full disk cannot be made");
        try
        {
            // About 150 KiB of keystore on a 256 KiB file system: the temporary copy cannot fit.
            var store = NewStore(mount, name, entries: name.EndsWith(".pem", StringComparison.Ordinal) ? 220 : 320);
            var before = File.ReadAllBytes(store);
            output.WriteLine($"{name}: {before.Length / 1024} KiB on a 256 KiB tmpfs");
            var siblings = Siblings(store);

            var error = MergeFails(store, newCertificates: 100);

            output.WriteLine($"{error.Kind}: {error.Message}");
            Assert.Equal(KeystoreErrorKind.ReadOnly, error.Kind);
            Assert.Contains("No space left on device", error.Message);
            Assert.Equal(before, File.ReadAllBytes(store));
            Assert.Equal(siblings, Siblings(store));
        }
        finally
        {
            await Unmount(mount);
        }
    }

    [SkippableFact]
    public async Task A_path_where_rename_over_fails_is_one_clear_error_and_the_original_is_untouched()
    {
        // A file bind-mounted over the keystore's path: rename(2) onto a mount point fails with EBUSY,
        // as it does for a keystore a container runtime mounted in as a single file.
        var store = NewStore(_folder, "mounted.jks");
        var source = NewStore(_folder, "source.jks", entries: 7);
        var before = File.ReadAllBytes(source);
        Skip.IfNot(await Root("mount", "--bind", source, store),
            "this user may not bind-mount a file, and no file system here refuses rename-over otherwise");
        try
        {
            var error = MergeFails(store);

            output.WriteLine($"{error.Kind}: {error.Message}");
            Assert.Equal(KeystoreErrorKind.ReadOnly, error.Kind);
            Assert.Contains("busy", error.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(before, File.ReadAllBytes(store));
            Assert.Empty(ReliabilityKit.TemporaryFiles(store));
        }
        finally
        {
            await Unmount(store);
        }
    }

    /// <summary>
    /// Unmounts and waits until the kernel no longer lists the mount: on a loaded machine the first
    /// umount can answer "busy" while a just-closed handle is released, and the folder cannot be
    /// removed while the mount stands.
    /// </summary>
    private async Task Unmount(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (IsMounted(path) && DateTime.UtcNow < deadline)
        {
            if (!await Root("umount", path))
            {
                await Task.Delay(200);
            }
        }
        if (IsMounted(path))
        {
            // Detach lazily rather than leave the mount behind for the next run.
            await Root("umount", "-l", path);
        }
    }

    private static bool IsMounted(string path) =>
        File.ReadLines("/proc/self/mounts").Any(line => line.Split(' ') is [_, var target, ..] && target == Path.GetFullPath(path));

    public void Dispose()
    {
        foreach (var path in _undo)
        {
            Tools.RunAsync("chattr", ["-i", path]).GetAwaiter().GetResult();
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(200);
            }
        }
    }
}
