namespace Dragonflow.Testing;

/// <summary>The checkout the tests run from: the nearest folder above the test binaries with Dragonflow.slnx.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Dragonflow.slnx")))
                return dir.FullName;
        throw new InvalidOperationException("Dragonflow.slnx not found above " + AppContext.BaseDirectory);
    }
}
