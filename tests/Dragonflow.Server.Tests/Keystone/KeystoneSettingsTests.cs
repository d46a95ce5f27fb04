using System.Collections;
using Dragonflow.Configuration;
using Dragonflow.Server.Auth;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Server.Tests.Keystone;

/// <summary>[keystone_authtoken] read from the configuration: keystonemiddleware's names, defaults, and clear errors.</summary>
public sealed class KeystoneSettingsTests : IDisposable
{
    static readonly IDictionary NoEnvironment = new Hashtable();
    readonly ScratchDirectory _dir = new("df-keystone-settings-");

    static readonly string[] Required =
    [
        "api.auth_strategy=keystone", "keystone_authtoken.auth_url=http://keystone.example:5000",
        "keystone_authtoken.username=neutron", "keystone_authtoken.password=pw", "keystone_authtoken.project_name=service",
    ];

    static KeystoneSettings Load(params string[] sets) => KeystoneSettings.From(ConfigLoader.Load(null, sets, NoEnvironment));

    [Fact]
    public void A_section_written_for_keystonemiddleware_is_understood_with_its_defaults()
    {
        var ini = _dir.File("neutron.ini");
        File.WriteAllText(ini, """
            [api]
            auth_strategy = keystone
            [keystone_authtoken]
            www_authenticate_uri = https://public.example/identity
            auth_url = http://keystone.example/identity/v3
            auth_type = password
            username = neutron
            password = s3cret
            project_name = service
            user_domain_name = Users
            region_name = RegionTwo
            token_cache_time = 60
            insecure = true
            """);
        var config = ConfigLoader.Load(ini, environment: NoEnvironment);
        Assert.Empty(config.Warnings);
        var settings = KeystoneSettings.From(config);
        Assert.Equal("https://public.example/identity", settings.WwwAuthenticateUri);
        Assert.Equal(new Uri("http://keystone.example/identity/v3/"), settings.ApiRoot);
        Assert.Equal(("neutron", "s3cret", "service"), (settings.Username, settings.Password, settings.ProjectName));
        Assert.Equal(("Users", "Default", "RegionTwo"), (settings.UserDomainName, settings.ProjectDomainName, settings.RegionName));
        Assert.Equal(TimeSpan.FromSeconds(60), settings.TokenCacheTime);
        Assert.True(settings.Insecure);

        var defaults = Load(Required);
        Assert.Equal(TimeSpan.FromSeconds(300), defaults.TokenCacheTime);
        Assert.Equal("http://keystone.example:5000", defaults.WwwAuthenticateUri);
        Assert.Equal(new Uri("http://keystone.example:5000/v3/"), defaults.ApiRoot);
        Assert.False(defaults.Insecure);
        Assert.Null(defaults.CaFile);
    }

    [Theory]
    [InlineData("auth_url")]
    [InlineData("username")]
    [InlineData("password")]
    [InlineData("project_name")]
    public void A_missing_required_option_names_itself(string option)
    {
        var e = Assert.Throws<ConfigException>(() => Load(Required.Where(s => !s.StartsWith($"keystone_authtoken.{option}=")).ToArray()));
        Assert.Contains($"[keystone_authtoken] {option} must be set", e.Message);
    }

    [Theory]
    [InlineData("auth_url=keystone.example:5000", "absolute http")]
    [InlineData("www_authenticate_uri=ftp://x", "absolute http")]
    [InlineData("token_cache_time=-1", "at least 0")]
    [InlineData("auth_type=v3token", "must be one of password")]
    [InlineData("insecure=maybe", "true or false")]
    public void A_bad_value_is_refused_when_the_configuration_is_read(string set, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => Load([.. Required, "keystone_authtoken." + set]));
        Assert.Contains("[keystone_authtoken]", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Cafile_must_exist_and_hold_a_pem_certificate()
    {
        var missing = Assert.Throws<ConfigException>(() => Load([.. Required, $"keystone_authtoken.cafile={_dir.File("none.pem")}"]));
        Assert.Contains("not found", missing.Message);
        File.WriteAllText(_dir.File("junk.pem"), "not a certificate\n");
        var junk = Assert.Throws<ConfigException>(() => Load([.. Required, $"keystone_authtoken.cafile={_dir.File("junk.pem")}"]));
        Assert.Contains("cafile", junk.Message);
    }

    public void Dispose() => _dir.Dispose();
}
