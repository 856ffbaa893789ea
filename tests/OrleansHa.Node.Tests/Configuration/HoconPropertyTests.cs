using OrleansHa.Node.Configuration;
using Xunit.Abstractions;

namespace OrleansHa.Node.Tests.Configuration;

/// <summary>
/// Generated bad configuration (FsCheck): files, <c>--set</c> switches and environment variables, random and mutated
/// from good ones, through the node's own loading. Never a hang, never a crash: a configuration, or a
/// <see cref="ConfigurationException"/>.
/// </summary>
public sealed class HoconPropertyTests(ITestOutputHelper output) : IDisposable
{
    private const string Alphabet = "{}[]:=,.\"'$?+#/\\\n\r\t abcdefghijklmnopqrstuvwxyz_-0123456789\u00e9\u4e2d";

    private static readonly string[] Samples =
    [
        SampleConfigTests.ArchitectureSample,
        NodeConfigurationSchema.ReferenceText,
        "paths.local: \"/data\"\nservices { executor.enabled: false, coordinator.web.port: 9100 }\n"
            + "auth { admin.user: root, token.lifetime: 2h }\nextra: { list: [1, 2.5, \"three\", [true, null]], text: \"\"\"multi\nline\"\"\" }\n"
            + "x: ${?HOME} ${paths.local}\"/x\"\n",
        "a.b.c: ${a.b.d}\na.b.d: [${?NOPE}]\n// comment\n\"quoted.key\": 1\n",
    ];

    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_bad_file_is_a_configuration_error_never_a_crash_or_a_hang()
    {
        output.WriteLine(Fuzz.Check("configuration files", Fuzz.Text(Samples, Alphabet), 3000, text =>
            Outcome(() => NodeConfiguration.Load(_files.Write(text, Guid.NewGuid().ToString("N") + ".conf"), ConfigFiles.NoEnvironment, []))));
    }

    [Fact]
    public void A_bad_switch_or_environment_variable_is_a_configuration_error_never_a_crash_or_a_hang()
    {
        string[] samples = ["services.fabric.port=45999", "auth.token.lifetime=30h", "paths.local=\"/a b\"", "zookeeper=\"zk1:2181/x\"", "a.b=[1,2]"];
        output.WriteLine(Fuzz.Check("--set switches", Fuzz.Text(samples, Alphabet), 2000, setting =>
            Outcome(() => NodeConfiguration.Load(null, ConfigFiles.NoEnvironment, ["--set", setting]))));
        output.WriteLine(Fuzz.Check("environment variables", Fuzz.Text(samples, Alphabet), 2000, setting =>
        {
            int equals = setting.IndexOf('=', StringComparison.Ordinal);
            string name = "ORLEANSHA__" + (equals < 0 ? setting : setting[..equals]).Replace(".", "__", StringComparison.Ordinal);
            var environment = new Dictionary<string, string> { [name] = equals < 0 ? string.Empty : setting[(equals + 1)..] };
            return Outcome(() => NodeConfiguration.Load(null, environment, []));
        }));
    }

    private static string Outcome(Func<NodeConfiguration> load)
    {
        try
        {
            load();
            return "loaded";
        }
        catch (ConfigurationException ex)
        {
            Assert.NotEmpty(ex.Problems);
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            return "refused";
        }
    }
}
