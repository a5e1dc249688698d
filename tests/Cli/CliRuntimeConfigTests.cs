using System.Text.Json.Nodes;
using Shouldly;

namespace LoaderHarness.Tests.Cli;

/// <summary>The framework-dependent CLI (<c>dotnet run</c>, <c>dotnet loader-harness.dll</c>) keeps its JIT usable for the compiling tier.</summary>
[TestFixture]
public sealed class CliRuntimeConfigTests
{
    [Test]
    public void The_built_cli_lets_the_compiling_tier_emit_code()
    {
        // PublishAot writes RuntimeFeature.IsDynamicCodeSupported into runtimeconfig.json's configProperties;
        // false there makes X86Cpu.Engine fall back to the interpreter although the runtime has a JIT.
        var path = Path.Combine(AppContext.BaseDirectory, "loader-harness.runtimeconfig.json");
        File.Exists(path).ShouldBeTrue(path);
        var properties = JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"];
        var value = properties?["System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported"];
        (value is null || value.GetValue<bool>()).ShouldBeTrue("the CLI's runtimeconfig.json turns dynamic code off");
    }
}
