using System.Collections;
using Dragonflow.Configuration;

using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

public sealed class ConfigLoaderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("df-config-").FullName;
    static readonly IDictionary NoEnvironment = new Hashtable();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(string text)
    {
        var path = Path.Combine(_dir, "dragonflow.ini");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Defaults_apply_without_a_file()
    {
        var config = ConfigLoader.Load(null, environment: NoEnvironment);
        Assert.Equal("sqlite", config.NbDbClass);
        Assert.Equal(8866, config.PublisherPort);
        Assert.True(config.EnablePubSub);
        Assert.Equal(["geneve"], config.TunnelTypes);
        Assert.Equal("127.0.0.1:9696", config.ApiBind);
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void File_values_are_read_from_their_sections()
    {
        var file = Write("""
            [DEFAULT]
            debug = True

            [df]
            # a comment
            nb_db_class = etcd
            remote_db_hosts = 10.0.0.1:2379, 10.0.0.2:2379
            tunnel_types = vxlan,geneve
            host = compute-1

            [api]
            bind = 0.0.0.0:9797
            """);
        var config = ConfigLoader.Load(file, environment: NoEnvironment);
        Assert.True(config.Debug);
        Assert.Equal("etcd", config.NbDbClass);
        Assert.Equal(["10.0.0.1:2379", "10.0.0.2:2379"], config.RemoteDbHosts);
        Assert.Equal(["vxlan", "geneve"], config.TunnelTypes);
        Assert.Equal("compute-1", config.Host);
        Assert.Equal("0.0.0.0:9797", config.ApiBind);
    }

    [Fact]
    public void Environment_overrides_file_and_set_overrides_environment()
    {
        var file = Write("[df]\npublisher_port = 1000\nhost = from-file\nlocal_ip = 10.1.1.1\n");
        var environment = new Hashtable
        {
            ["DRAGONFLOW_DF__PUBLISHER_PORT"] = "2000",
            ["DRAGONFLOW_df__host"] = "from-env",
            ["UNRELATED"] = "x",
        };
        var config = ConfigLoader.Load(file, ["df.publisher_port=3000"], environment);
        Assert.Equal(3000, config.PublisherPort);
        Assert.Equal("from-env", config.Host);
        Assert.Equal("10.1.1.1", config.LocalIp);
    }

    [Fact]
    public void Upstream_driver_class_names_are_understood()
    {
        var file = Write("""
            [df]
            nb_db_class = dragonflow.db.drivers.redis_db_driver.RedisDbDriver
            pub_sub_driver = redis_db_pubsub_driver
            """);
        var config = ConfigLoader.Load(file, environment: NoEnvironment);
        Assert.Equal("redis", config.NbDbClass);
        Assert.Equal("redis", config.PubSubDriver);
    }

    [Theory]
    [InlineData("publisher_port = 70000", "publisher_port")]
    [InlineData("publisher_port = many", "publisher_port")]
    [InlineData("enable_df_pub_sub = perhaps", "enable_df_pub_sub")]
    [InlineData("nb_db_class = mongodb", "nb_db_class")]
    [InlineData("local_ip = 10.0.0.300", "local_ip")]
    [InlineData("remote_db_hosts = etcd-without-port", "remote_db_hosts")]
    [InlineData("of_listen = http://x", "of_listen")]
    [InlineData("remote_db_hosts = 127.0.0.1:0", "remote_db_hosts")]
    [InlineData("metrics_listen = 127.0.0.1:65536", "metrics_listen")]
    public void An_invalid_value_is_an_error_naming_the_option(string line, string option)
    {
        var file = Write($"[df]\n{line}\n");
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(file, environment: NoEnvironment));
        Assert.Contains($"[df] {option}", error.Message);
        Assert.Contains(file, error.Message);
    }

    [Fact]
    public void A_listen_address_on_port_0_is_taken_as_any_free_port()
    {
        var file = Write("[df]\nmetrics_listen = 127.0.0.1:0\n[api]\nbind = 127.0.0.1:0\n");
        var config = ConfigLoader.Load(file, environment: NoEnvironment);
        Assert.Equal("127.0.0.1:0", config.MetricsListen);
    }

    [Fact]
    public void An_unknown_option_is_a_warning_naming_it()
    {
        var file = Write("[df]\nnb_db_class = sqlite\nneutron_only_option = 1\n[nova]\nanything = 2\n");
        var config = ConfigLoader.Load(file, environment: NoEnvironment);
        Assert.Equal("sqlite", config.NbDbClass);
        Assert.Contains(config.Warnings, w => w.Contains("[df] neutron_only_option"));
        Assert.Contains(config.Warnings, w => w.Contains("[nova] anything"));
    }

    [Fact]
    public void A_missing_file_and_a_malformed_set_are_clear_errors()
    {
        var missing = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Path.Combine(_dir, "nope.ini"), environment: NoEnvironment));
        Assert.Contains("not found", missing.Message);
        var set = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, ["publisher_port"], NoEnvironment));
        Assert.Contains("section.option=value", set.Message);
    }

    [Fact]
    public void The_shipped_sample_file_lists_every_option_at_its_default()
    {
        var sample = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "etc", "dragonflow.ini"));
        Assert.Equal(SampleConfig.Render(), sample);
        // The sample itself loads cleanly: every line in it is commented out or known.
        var config = ConfigLoader.Load(Path.Combine(RepositoryRoot.Path, "etc", "dragonflow.ini"), environment: NoEnvironment);
        Assert.Empty(config.Warnings);
    }
}
