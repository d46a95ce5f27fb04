using Dragonflow.NorthDb.Drivers;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>
/// The NB driver contract, written once. Each backend subclasses this with only a way to open
/// clients on its real server; every test starts on an empty database.
/// </summary>
public abstract class NbDriverConformance : IAsyncLifetime
{
    private readonly List<INbDriver> _opened = [];

    protected INbDriver Driver { get; private set; } = null!;

    /// <summary>Wipes the database under test and opens a client on it.</summary>
    protected abstract Task<INbDriver> OpenEmptyDatabaseAsync();

    /// <summary>Opens another independent client (connection, process-level state) on the same database.</summary>
    protected abstract Task<INbDriver> OpenSameDatabaseAsync();

    /// <summary>The options (nb_db_class, remote_db_hosts or nb_db_path) that name the database under test.</summary>
    protected abstract NbOptions FactoryOptions { get; }

    /// <summary>
    /// A client of a database that cannot be reached (nothing listens there, the file cannot be
    /// opened), and how the error must name that place. Opening may itself fail.
    /// </summary>
    protected abstract (Func<INbDriver> Open, string Where) Unreachable();

    public async Task InitializeAsync()
    {
        Driver = await OpenEmptyDatabaseAsync();
        _opened.Add(Driver);
    }

    public Task DisposeAsync()
    {
        foreach (var d in _opened)
        {
            d.Dispose();
        }
        return Task.CompletedTask;
    }

    private async Task<INbDriver> SecondClientAsync()
    {
        var d = await OpenSameDatabaseAsync();
        _opened.Add(d);
        return d;
    }

    [Fact]
    public async Task CreateThenGetReturnsTheValueVerbatimWithRevisionAndTopic()
    {
        const string value = """{"id":"p1", "topic":"t1","version":1,"x":"ünïcode ✓"}""";
        var rev = await Driver.CreateAsync("lport", "p1", value, "t1");

        var entry = await Driver.GetAsync("lport", "p1");

        Assert.NotNull(entry);
        Assert.Equal(value, entry.Value);
        Assert.Equal(rev, entry.Revision);
        Assert.True(rev > 0);
        Assert.Equal("t1", entry.Topic);
        Assert.Equal(("lport", "p1", "/openstack/lport/p1"), (entry.Table, entry.Id, entry.Key));
    }

    [Fact]
    public async Task GetOfAMissingKeyReturnsNull()
    {
        await Driver.CreateAsync("lport", "a", "{}", null);
        Assert.Null(await Driver.GetAsync("lport", "b"));
        Assert.Null(await Driver.GetAsync("lswitch", "a"));
    }

    [Fact]
    public async Task CreateOfAnExistingKeyFailsAndKeepsTheOriginal()
    {
        await Driver.CreateAsync("lswitch", "n1", "\"first\"", "t");

        var e = await Assert.ThrowsAsync<NbKeyExistsException>(() => Driver.CreateAsync("lswitch", "n1", "\"second\"", "t").AsTask());

        Assert.Equal("/openstack/lswitch/n1", e.Key);
        Assert.Equal("\"first\"", (await Driver.GetAsync("lswitch", "n1"))!.Value);
    }

    [Fact]
    public async Task UpdateAtTheCurrentRevisionReplacesTheValueAndChangesTheRevision()
    {
        var rev1 = await Driver.CreateAsync("lport", "p", "1", "t");

        var rev2 = await Driver.UpdateAsync("lport", "p", "2", "t", rev1);

        Assert.NotEqual(rev1, rev2);
        var entry = await Driver.GetAsync("lport", "p");
        Assert.Equal(("2", rev2), (entry!.Value, entry.Revision));
    }

    [Fact]
    public async Task UpdateAtAStaleRevisionConflictsAndLeavesTheValue()
    {
        var rev1 = await Driver.CreateAsync("lport", "p", "1", "t");
        var rev2 = await Driver.UpdateAsync("lport", "p", "2", "t", rev1);

        var e = await Assert.ThrowsAsync<NbVersionConflictException>(() => Driver.UpdateAsync("lport", "p", "3", "t", rev1).AsTask());

        Assert.Equal(rev1, e.Expected);
        Assert.Equal(rev2, e.Actual);
        Assert.Equal("2", (await Driver.GetAsync("lport", "p"))!.Value);
    }

    [Fact]
    public async Task UpdateOfAMissingKeyIsNotFound()
    {
        var e = await Assert.ThrowsAsync<NbKeyNotFoundException>(() => Driver.UpdateAsync("lport", "nope", "1", null, 1).AsTask());
        Assert.Equal("/openstack/lport/nope", e.Key);
        Assert.Null(await Driver.GetAsync("lport", "nope"));
    }

    [Fact]
    public async Task DeleteReturnsWhatWasStoredAndRemovesTheKey()
    {
        var rev = await Driver.CreateAsync("lrouter", "r", "{\"a\":1}", "t");

        var deleted = await Driver.DeleteAsync("lrouter", "r");

        Assert.Equal(("{\"a\":1}", rev, "t"), (deleted.Value, deleted.Revision, deleted.Topic));
        Assert.Null(await Driver.GetAsync("lrouter", "r"));
        Assert.Empty(await Driver.ListAsync("lrouter"));
    }

    [Fact]
    public async Task DeleteOfAMissingKeyIsNotFound()
    {
        await Assert.ThrowsAsync<NbKeyNotFoundException>(() => Driver.DeleteAsync("lrouter", "r").AsTask());
        await Assert.ThrowsAsync<NbKeyNotFoundException>(() => Driver.DeleteAsync("lrouter", "r", 5).AsTask());
    }

    [Fact]
    public async Task DeleteWithAnExpectedRevisionIsCompareAndSwap()
    {
        var rev1 = await Driver.CreateAsync("lrouter", "r", "1", null);
        var rev2 = await Driver.UpdateAsync("lrouter", "r", "2", null, rev1);

        await Assert.ThrowsAsync<NbVersionConflictException>(() => Driver.DeleteAsync("lrouter", "r", rev1).AsTask());
        Assert.NotNull(await Driver.GetAsync("lrouter", "r"));

        await Driver.DeleteAsync("lrouter", "r", rev2);
        Assert.Null(await Driver.GetAsync("lrouter", "r"));
    }

    [Fact]
    public async Task ARevisionIsNotReusedAfterDeleteAndRecreate()
    {
        var old = await Driver.CreateAsync("chassis", "c", "1", null);
        await Driver.DeleteAsync("chassis", "c");
        var fresh = await Driver.CreateAsync("chassis", "c", "2", null);

        Assert.NotEqual(old, fresh);
        await Assert.ThrowsAsync<NbVersionConflictException>(() => Driver.UpdateAsync("chassis", "c", "3", null, old).AsTask());
        Assert.Equal("2", (await Driver.GetAsync("chassis", "c"))!.Value);
    }

    [Fact]
    public async Task ListReturnsOnlyThatTableOrderedById()
    {
        await Driver.CreateAsync("lswitch", "b", "\"b\"", "t1");
        await Driver.CreateAsync("lswitch", "a", "\"a\"", "t2");
        await Driver.CreateAsync("lswitch", "c", "\"c\"", null);
        await Driver.CreateAsync("lsubnet", "a", "\"subnet\"", "t1");
        await Driver.CreateAsync("lswitchx", "z", "\"other table sharing a prefix\"", "t1");

        var all = await Driver.ListAsync("lswitch");

        Assert.Equal(["a", "b", "c"], all.Select(e => e.Id));
        Assert.Equal(["\"a\"", "\"b\"", "\"c\""], all.Select(e => e.Value));
        Assert.All(all, e => Assert.Equal("lswitch", e.Table));
        Assert.Equal(["a", "b", "c"], await Driver.ListIdsAsync("lswitch"));
        Assert.Empty(await Driver.ListAsync("lport"));
    }

    [Fact]
    public async Task ListByTopicReturnsOnlyThatTopic()
    {
        await Driver.CreateAsync("lport", "p1", "1", "tenant-a");
        await Driver.CreateAsync("lport", "p2", "2", "tenant-b");
        await Driver.CreateAsync("lport", "p3", "3", "tenant-a");
        await Driver.CreateAsync("lport", "p4", "4", null);
        await Driver.CreateAsync("lswitch", "n1", "5", "tenant-a");

        Assert.Equal(["p1", "p3"], (await Driver.ListAsync("lport", "tenant-a")).Select(e => e.Id));
        Assert.Equal(["p2"], await Driver.ListIdsAsync("lport", "tenant-b"));
        Assert.Empty(await Driver.ListAsync("lport", "tenant-c"));
    }

    [Fact]
    public async Task UpdateMovesTheTopicIndex()
    {
        var rev = await Driver.CreateAsync("lport", "p", "1", "old");
        await Driver.UpdateAsync("lport", "p", "2", "new", rev);

        Assert.Empty(await Driver.ListIdsAsync("lport", "old"));
        Assert.Equal(["p"], await Driver.ListIdsAsync("lport", "new"));
        Assert.Equal("new", (await Driver.GetAsync("lport", "p"))!.Topic);
    }

    [Fact]
    public async Task DeleteRemovesTheTopicIndex()
    {
        await Driver.CreateAsync("lport", "p", "1", "t");
        await Driver.DeleteAsync("lport", "p");
        Assert.Empty(await Driver.ListIdsAsync("lport", "t"));
    }

    [Theory]
    [InlineData("with space")]
    [InlineData("colon:and.dot")]
    [InlineData("ünïcode-✓")]
    [InlineData("6f1c9a3e-7b4d-4e8f-9a2b-0c1d2e3f4a5b")]
    public async Task IdsWithUnusualCharactersRoundTrip(string id)
    {
        await Driver.CreateAsync("lport", id, "1", "t");
        Assert.Equal(id, (await Driver.GetAsync("lport", id))!.Id);
        Assert.Equal([id], await Driver.ListIdsAsync("lport"));
        await Driver.DeleteAsync("lport", id);
    }

    [Fact]
    public async Task LargeValuesRoundTrip()
    {
        var value = "\"" + new string('x', 512 * 1024) + "\"";
        await Driver.CreateAsync("lsecgroup", "big", value, "t");
        Assert.Equal(value, (await Driver.GetAsync("lsecgroup", "big"))!.Value);
    }

    [Fact]
    public async Task UniqueKeysCountUpPerTable()
    {
        Assert.Equal(1, await Driver.AllocateUniqueKeyAsync("lport"));
        Assert.Equal(2, await Driver.AllocateUniqueKeyAsync("lport"));
        Assert.Equal(1, await Driver.AllocateUniqueKeyAsync("lswitch"));
        Assert.Equal(3, await Driver.AllocateUniqueKeyAsync("lport"));

        var counter = await Driver.GetAsync("unique_key", "lport");
        Assert.NotNull(counter);
        Assert.Contains("\"value\":3", counter.Value.Replace(" ", ""));
    }

    [Fact]
    public async Task UniqueKeysFromTwoClientsAtOnceNeverRepeat()
    {
        var other = await SecondClientAsync();
        var clients = new[] { Driver, other };

        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var mine = new List<long>();
            for (var n = 0; n < 50; n++)
            {
                mine.Add(await clients[i % 2].AllocateUniqueKeyAsync("lport"));
            }
            return mine;
        })));

        var all = keys.SelectMany(k => k).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), all);
    }

    [Fact]
    public async Task CompareAndSwapLoopsFromTwoClientsLoseNoUpdate()
    {
        var other = await SecondClientAsync();
        var clients = new[] { Driver, other };
        await Driver.CreateAsync("lswitch", "counter", "0", null);

        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            var client = clients[i % 2];
            for (var n = 0; n < 40; n++)
            {
                while (true)
                {
                    var e = await client.GetAsync("lswitch", "counter");
                    try
                    {
                        await client.UpdateAsync("lswitch", "counter", (int.Parse(e!.Value) + 1).ToString(), null, e.Revision);
                        break;
                    }
                    catch (NbVersionConflictException)
                    {
                    }
                }
            }
        })));

        Assert.Equal("240", (await Driver.GetAsync("lswitch", "counter"))!.Value);
    }

    [Fact]
    public async Task AWriteByOneClientIsVisibleToAnother()
    {
        var other = await SecondClientAsync();
        var rev = await Driver.CreateAsync("chassis", "h1", "1", null);
        Assert.Equal(rev, (await other.GetAsync("chassis", "h1"))!.Revision);

        await other.UpdateAsync("chassis", "h1", "2", null, rev);
        Assert.Equal("2", (await Driver.GetAsync("chassis", "h1"))!.Value);
    }

    [Fact]
    public async Task ACorruptUniqueKeyCounterIsReportedNotReset()
    {
        await Driver.CreateAsync("unique_key", "lport", "\"not a counter\"", null);

        var e = await Assert.ThrowsAsync<NbCorruptValueException>(() => Driver.AllocateUniqueKeyAsync("lport").AsTask());

        Assert.Equal("/openstack/unique_key/lport", e.Key);
        Assert.Equal("\"not a counter\"", (await Driver.GetAsync("unique_key", "lport"))!.Value);
    }

    [Fact]
    public async Task TheFactoryBuildsItFromTheOptionsOnTheSameDatabase()
    {
        using var built = NbFactory.CreateDriver(FactoryOptions);
        Assert.Equal(Driver.GetType(), built.GetType());
        Assert.Equal(FactoryOptions.NbDbClass, built.Name);

        var rev = await built.CreateAsync("chassis", "h1", "1", null);
        Assert.Equal(rev, (await Driver.GetAsync("chassis", "h1"))!.Revision);
    }

    [Fact]
    public async Task AnUnreachableDatabaseIsBackendUnavailableWithinTheTimeout()
    {
        var (open, where) = Unreachable();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<NbBackendUnavailableException>(async () =>
        {
            using var driver = open();
            await driver.CreateAsync("lport", "p", "1", null);
        });

        Assert.Equal(Driver.Name, e.Backend);
        Assert.Contains(where, e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"failing took {clock.Elapsed}");
    }
}
