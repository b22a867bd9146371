using System.Text;
using CertHeal.Keystores;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// StoreWrite.ReplaceAll (the ledger records of one merge, made durable by one file-system sync):
/// each file ends old or new, a failed read-back changes none of them, no temporary is left.
/// </summary>
public sealed class StoreWriteBatchTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("certheal-batch-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string[] Names() => Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_file_is_replaced_with_its_bytes_and_mode_and_no_temporary_is_left(bool flush)
    {
        var existing = Path.Combine(_folder, "a.json");
        File.WriteAllText(existing, "old");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var files = Enumerable.Range(0, 5).Select(i => new StoreWrite.Pending(Path.Combine(_folder, $"{(char)('a' + i)}.json"),
            Encoding.UTF8.GetBytes($"new {i}"), written => Assert.Equal($"new {i}", Encoding.UTF8.GetString(written)))).ToList();

        StoreWrite.ReplaceAll(files, flush);

        Assert.Equal(["a.json", "b.json", "c.json", "d.json", "e.json"], Names());
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"new {i}", File.ReadAllText(files[i].Path));
        }
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(existing));
        }
    }

    [Fact]
    public void A_failed_read_back_changes_no_file_and_leaves_no_temporary()
    {
        File.WriteAllText(Path.Combine(_folder, "a.json"), "old a");
        File.WriteAllText(Path.Combine(_folder, "c.json"), "old c");
        var files = new[] { "a", "b", "c", "d" }.Select(n => new StoreWrite.Pending(Path.Combine(_folder, n + ".json"), Encoding.UTF8.GetBytes("new " + n),
            n == "c" ? _ => throw new InvalidDataException("read-back differs") : null)).ToList();

        Assert.Throws<InvalidDataException>(() => StoreWrite.ReplaceAll(files));

        Assert.Equal(["a.json", "c.json"], Names()); // no new file, no temporary
        Assert.Equal("old a", File.ReadAllText(Path.Combine(_folder, "a.json")));
        Assert.Equal("old c", File.ReadAllText(Path.Combine(_folder, "c.json")));
    }

    [Fact]
    public void An_empty_batch_writes_nothing()
    {
        StoreWrite.ReplaceAll([]);
        Assert.Empty(Names());
    }
}
