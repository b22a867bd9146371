using CertHeal.Keystores;

namespace CertHeal.Tests.Keystores;

/// <summary>The one write path never tears, loses or silently replaces a keystore, and never leaks a password.</summary>
public sealed class KeystoreWriteSafetyTests(KeystoreTestKit kit) : IClassFixture<KeystoreTestKit>
{
    private const string WrongPassword = "WrongHorse42";

    private sealed record Snapshot(byte[] Bytes, DateTime WriteTime, string[] Siblings);

    private static Snapshot Take(string path) => new(File.ReadAllBytes(path), File.GetLastWriteTimeUtc(path),
        Directory.GetFiles(Path.GetDirectoryName(path)!, "*" + Path.GetFileName(path) + "*").Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).Order().ToArray());

    private static void AssertUntouched(Snapshot before, string path)
    {
        var after = Take(path);
        Assert.Equal(before.Bytes, after.Bytes);
        Assert.Equal(before.WriteTime, after.WriteTime);
        Assert.Equal(before.Siblings, after.Siblings); // no temp file left, no .bak made
    }

    [Theory]
    [InlineData("w.jks")]
    [InlineData("w.p12")]
    public void Wrong_password_is_one_clear_error_without_the_password_and_nothing_is_written(string name)
    {
        var path = kit.NewPath(name);
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(2));
        var before = Take(path);

        var error = Assert.Throws<KeystoreException>(() => KeystoreTestKit.Add(path, null, [kit.Certificates[3]], password: WrongPassword));

        Assert.Equal(KeystoreErrorKind.WrongPassword, error.Kind);
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain(WrongPassword, error.ToString());
        Assert.DoesNotContain(KeystoreTestKit.Password, error.ToString());
        AssertUntouched(before, path);
    }

    [Theory]
    [InlineData("c.jks", "truncated")]
    [InlineData("c.p12", "truncated")]
    [InlineData("c.pem", "damaged-pem")]
    [InlineData("c.jks", "zip")]
    public void Corrupt_file_is_one_clear_error_naming_the_file_and_nothing_is_written(string name, string damage)
    {
        var path = kit.NewPath(name);
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(2));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, damage switch
        {
            "truncated" => bytes[..(bytes.Length * 2 / 3)],
            "damaged-pem" => System.Text.Encoding.ASCII.GetBytes(System.Text.Encoding.ASCII.GetString(bytes).Replace("-----END CERTIFICATE-----\n#", "-----END CERTIFICAT\n#")),
            _ => [.. "PK\u0003\u0004"u8, .. new byte[64]],
        });
        var before = Take(path);

        var error = Assert.Throws<KeystoreException>(() => KeystoreTestKit.Add(path, null, [kit.Certificates[3]]));

        Assert.Equal(KeystoreErrorKind.Corrupt, error.Kind);
        Assert.Contains(path, error.Message);
        if (damage == "zip")
        {
            Assert.Contains("ZIP", error.Message);
        }
        AssertUntouched(before, path);
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Read_only_keystore_or_folder_is_refused_and_left_untouched()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix permissions only; Windows read-only attributes are checked by the engine the same way");
        var folder = Path.Combine(kit.Folder, "ro-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "ro.pem");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(2));
        File.Delete(path + ".lock");
        var before = Take(path);

        if (KeystoreTestKit.IsRoot)
        {
            // chmod does not stop root; chattr +i does, where the file system and capabilities allow it.
            Skip.IfNot(kit.TryMakeImmutable(path), "running as root and chattr +i is refused here, so a read-only file cannot be simulated");
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        var fileError = Assert.Throws<KeystoreException>(() => KeystoreTestKit.Add(path, null, [kit.Certificates[3]]));
        Assert.Equal(KeystoreErrorKind.ReadOnly, fileError.Kind);
        Assert.Contains(path, fileError.Message);
        AssertUntouched(before, path);

        var other = Path.Combine(folder, "new.pem");
        if (KeystoreTestKit.IsRoot)
        {
            Assert.True(kit.TryMakeImmutable(folder));
        }
        else
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        var folderError = Assert.Throws<KeystoreException>(() => KeystoreTestKit.Add(other, null, [kit.Certificates[3]]));
        Assert.Equal(KeystoreErrorKind.ReadOnly, folderError.Kind);
        Assert.False(File.Exists(other));
        AssertUntouched(before, path);
    }

    [Fact]
    public void A_failing_replace_leaves_the_original_byte_identical_and_no_temp_file()
    {
        // Works as root too: the .bak path is taken by a folder, so the backup step fails before the rename.
        var path = kit.NewPath("collide.jks");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(2));
        Directory.CreateDirectory(path + ".bak");
        var before = File.ReadAllBytes(path);

        var error = Assert.Throws<KeystoreException>(() => KeystoreTestKit.Add(path, null, [kit.Certificates[3]]));

        Assert.Equal(KeystoreErrorKind.ReadOnly, error.Kind);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(kit.Folder, "*.tmp"));
    }

    [Theory]
    [InlineData("same.pem")]
    [InlineData("same.jks")]
    [InlineData("same.p12")]
    [InlineData("same/")]
    public void Merging_what_is_already_there_writes_nothing(string name)
    {
        var path = kit.NewPath(name);
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(3));
        var file = name.EndsWith('/') ? Directory.GetFiles(path)[0] : path;
        File.SetLastWriteTimeUtc(file, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var before = Take(file);

        var result = KeystoreTestKit.Add(path, null, kit.Certificates.Take(3));

        Assert.False(result.Written);
        Assert.False(result.Changed);
        AssertUntouched(before, file);

        // Saving an opened keystore unchanged is also not a write.
        if (!name.EndsWith('/'))
        {
            using var pw = KeystoreTestKit.Pw();
            var saved = KeystoreFile.Save(KeystoreFile.Open(path, null, pw), pw);
            Assert.False(saved.Written);
            AssertUntouched(before, file);
        }
    }

    [Fact]
    public void Backup_holds_the_previous_version_and_the_file_mode_is_kept()
    {
        var path = kit.NewPath("bak.p12");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(2));
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
        var previous = File.ReadAllBytes(path);

        var result = KeystoreTestKit.Add(path, null, [kit.Certificates[2]]);

        Assert.True(result.Written);
        Assert.Equal(path + ".bak", result.BackupPath);
        Assert.Equal(previous, File.ReadAllBytes(path + ".bak"));
        Assert.NotEqual(previous, File.ReadAllBytes(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(mode, File.GetUnixFileMode(path));
        }
        Assert.Empty(Directory.GetFiles(kit.Folder, "*.tmp"));
    }

    [Fact]
    public void Validation_hook_refusal_leaves_the_original_byte_identical_and_removes_the_temp_file()
    {
        var path = kit.NewPath("validated.jks");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(2));
        var before = Take(path);
        Keystore? seen = null;
        var options = new SaveOptions
        {
            Validate = candidate =>
            {
                seen = candidate;
                return "the new entry does not chain to a trusted root.";
            },
        };

        var error = Assert.Throws<KeystoreException>(() => KeystoreTestKit.Add(path, null, [kit.Certificates[3]], options));

        Assert.Equal(KeystoreErrorKind.ValidationFailed, error.Kind);
        Assert.Contains("does not chain to a trusted root", error.Message);
        Assert.NotNull(seen);
        Assert.Equal(3, seen!.TrustedEntries.Count()); // the hook saw the candidate as read back from the temp file
        AssertUntouched(before, path);
    }

    [Theory]
    [InlineData("race.pem")]
    [InlineData("race.jks")]
    [InlineData("race.p12")]
    public async Task Concurrent_updaters_both_end_up_in_the_keystore(string name)
    {
        var path = kit.NewPath(name);
        var start = new ManualResetEventSlim();
        Task Writer(IEnumerable<System.Security.Cryptography.X509Certificates.X509Certificate2> certificates) => Task.Run(() =>
        {
            start.Wait();
            foreach (var certificate in certificates)
            {
                // Each update opens its own FileStreams (lock, read, temp), as another process would.
                KeystoreTestKit.Add(path, null, [certificate]);
            }
        });
        var first = Writer(kit.Certificates.Take(3));
        var second = Writer(kit.Certificates.Skip(3));
        start.Set();
        await Task.WhenAll(first, second);

        using var pw = KeystoreTestKit.Pw();
        var keystore = KeystoreFile.Open(path, null, pw);
        Assert.Equal(kit.Certificates.Select(c => c.Thumbprint).Order(), keystore.TrustedEntries.Select(e => e.Certificate!.Thumbprint).Order());
    }

    [Fact]
    public void A_held_lock_times_out_with_a_sentence_naming_the_lock_file()
    {
        var path = kit.NewPath("locked.pem");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(1));
        var before = Take(path);
        using var held = KeystoreLock.Acquire(path, TimeSpan.FromSeconds(1));

        var error = Assert.Throws<KeystoreException>(() =>
            KeystoreTestKit.Add(path, null, [kit.Certificates[1]], new SaveOptions { LockTimeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Equal(KeystoreErrorKind.Locked, error.Kind);
        Assert.Contains(path + ".lock", error.Message);
        AssertUntouched(before, path);
    }

    [Fact]
    public void Save_refuses_when_another_writer_changed_the_file_since_it_was_opened()
    {
        var path = kit.NewPath("conflict.jks");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(1));
        using var pw = KeystoreTestKit.Pw();
        var mine = KeystoreFile.Open(path, null, pw);
        KeystoreTestKit.Add(path, null, [kit.Certificates[1]]);
        var before = Take(path);
        KeystoreTestKit.AddTo(mine, [kit.Certificates[2]]);

        var error = Assert.Throws<KeystoreException>(() => KeystoreFile.Save(mine, pw));

        Assert.Equal(KeystoreErrorKind.Locked, error.Kind);
        AssertUntouched(before, path);

        var fresh = KeystoreFile.Open(path, null, pw);
        KeystoreTestKit.AddTo(fresh, [kit.Certificates[2]]);
        Assert.True(KeystoreFile.Save(fresh, pw).Written);
        Assert.Equal(3, KeystoreFile.Open(path, null, pw).TrustedEntries.Count());
    }

    [Fact]
    public void Jks_needs_its_password_to_be_written_and_says_so()
    {
        var path = kit.NewPath("nopw.jks");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(1));
        var before = Take(path);

        var error = Assert.Throws<KeystoreException>(() => KeystoreFile.Update(path, null, null, k => KeystoreTestKit.AddTo(k, [kit.Certificates[1]])));

        Assert.Equal(KeystoreErrorKind.PasswordRequired, error.Kind);
        AssertUntouched(before, path);
    }

    [Fact]
    public void Aliases_differing_only_in_case_are_refused_instead_of_collapsing()
    {
        var path = kit.NewPath("dup.p12");
        KeystoreTestKit.Add(path, null, kit.Certificates.Take(1));
        var before = Take(path);

        var error = Assert.Throws<KeystoreException>(() => KeystoreFile.Update(path, null, KeystoreTestKit.Pw(), k =>
        {
            k.Entries.Add(new KeystoreEntry { Alias = "KIT-TRUST-ANCHOR-1", EntryType = KeystoreEntryType.TrustedCertificate, Certificate = kit.Certificates[1] });
            return true;
        }));

        Assert.Equal(KeystoreErrorKind.ValidationFailed, error.Kind);
        AssertUntouched(before, path);
    }

    [Fact]
    public void Missing_keystore_is_not_found_for_reading()
    {
        var error = Assert.Throws<KeystoreException>(() => KeystoreFile.Open(kit.NewPath("absent.jks")));
        Assert.Equal(KeystoreErrorKind.NotFound, error.Kind);
    }
}
