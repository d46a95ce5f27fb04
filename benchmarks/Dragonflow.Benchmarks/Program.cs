using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Dragonflow.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
