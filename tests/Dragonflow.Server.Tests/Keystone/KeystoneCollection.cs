namespace Dragonflow.Server.Tests.Keystone;

/// <summary>The Keystone test classes share one Keystone (one up.sh), one class after the other.</summary>
[CollectionDefinition(Name)]
public sealed class KeystoneCollection : ICollectionFixture<KeystoneAccounts>
{
    public const string Name = "Keystone";
}
