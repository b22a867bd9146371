using System.Globalization;
using CertHeal.Lab;

namespace CertHeal.Tests;

/// <summary>
/// The lab daemon the test projects share: the second holder joins the first one's server, and
/// the owner keeps it up until the last holder lets go. A real openssl s_server stands in for
/// PostgreSQL, under a name no other test uses.
/// </summary>
public sealed class SharedLabDaemonTests
{
    [Fact]
    public async Task A_second_holder_joins_and_the_owner_stops_only_after_the_last_holder()
    {
        var name = "selftest-" + Guid.NewGuid().ToString("N")[..8];
        var folder = Directory.CreateTempSubdirectory("certheal-shared-test-").FullName;
        var starts = 0;
        SharedLabDaemon.Starter start = leaf =>
        {
            Interlocked.Increment(ref starts);
            var cert = Path.Combine(folder, "leaf.pem");
            var key = Path.Combine(folder, "leaf.key");
            CertificateMint.WritePemWithKey(leaf, cert, key);
            var port = LabListener.ClosedPort();
            return LabDaemon.StartAsync("s_server", "openssl", ["s_server", "-quiet", "-accept", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "-cert", cert, "-key", key],
                port, TimeSpan.FromSeconds(30));
        };
        try
        {
            var first = await SharedLabDaemon.AcquireAsync(name, "shared.certheal.test", start);
            var second = await SharedLabDaemon.AcquireAsync(name, "shared.certheal.test", start);

            Assert.True(first.IsOwner);
            Assert.False(second.IsOwner);
            Assert.Equal(1, starts);
            Assert.Equal(first.Port, second.Port);
            Assert.Equal(first.Root.Thumbprint, second.Root.Thumbprint);
            Assert.Equal(first.Intermediate.Thumbprint, second.Intermediate.Thumbprint);

            var stopping = first.DisposeAsync().AsTask();
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.False(stopping.IsCompleted, "the owner stopped while another holder had a lease");
            Assert.True(LabDaemon.Accepts(second.Port));

            await second.DisposeAsync();
            await stopping.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(LabDaemon.Accepts(first.Port));

            // Released: the next holder starts a fresh one.
            await using var third = await SharedLabDaemon.AcquireAsync(name, "shared.certheal.test", start);
            Assert.True(third.IsOwner);
            Assert.Equal(2, starts);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            Directory.Delete(Path.Combine(Path.GetTempPath(), $"certheal-lab-shared-{Environment.UserName}", name), recursive: true);
        }
    }
}
