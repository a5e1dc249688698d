using System.CommandLine;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Cli;

/// <summary><c>--engine interpreter|tiered</c>, shared by the commands that run guest code.</summary>
internal static class EngineOption
{
    /// <summary>The option; tiered by default (the same results as the interpreter, hot x86 code compiled).</summary>
    public static Option<EngineTier> Create() => new("--engine")
    {
        Description = "interpreter, or tiered: hot x86 and A64 code compiled to IL by the .NET JIT, with the same results, counts and stops (the NativeAOT executable, which has no JIT, compiles hot 64-bit x86 and A64 code to x86-64 machine code of its own, linked block to block).",
        DefaultValueFactory = _ => EngineTier.Tiered,
        CustomParser = OptionParsers.Enum("--engine", EngineTier.Interpreter, EngineTier.Tiered),
    };
}
