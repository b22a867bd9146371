using CertHeal.Cli;
using CertHeal.Handshake;
using CertHeal.Tests.Reach;

namespace CertHeal.Tests.Remedies;

public sealed class CliVocabularyTests
{
    [Fact]
    public void A_remedy_renders_as_a_certheal_pipeline_repeating_every_probe_setting()
    {
        var remedy = new Remedy
        {
            Kind = RemedyKind.PinRoot,
            Fingerprint = "AB12",
            Probe = new ProbeSettings
            {
                Target = "smtp://[::1]:2525", Host = "::1", Port = 2525, ServerName = "mail.example", StartTls = StartTlsProtocol.Smtp,
                NoProxy = true, Protocol = TlsProtocol.Tls12, TimeoutSeconds = 30, Keystore = "/stores/it's mine.pem",
            },
        };

        Assert.Equal("certheal chain '[::1]:2525' --sni mail.example --starttls smtp --no-proxy --protocol Tls12 --timeout 30 --keystore '/stores/it'\\''s mine.pem' "
            + "--out - | certheal merge '/stores/it'\\''s mine.pem' - --policy Pinned --trusted-fingerprint AB12", CliVocabulary.Instance.Render(remedy));
    }

    [Theory]
    [InlineData("plain.example:443")]
    [InlineData("it's $HOME `id` \"x\" ; rm -rf / & ‘’")]
    [InlineData("")]
    public async Task Posix_quoting_survives_sh(string value)
    {
        var run = await ReachProcess.RunAsync("sh", ["-c", "printf '%s' " + PosixQuote.Quote(value)]);

        Assert.Equal(value, run.Stdout);
    }
}
