using System.Buffers.Binary;
using System.Diagnostics;
using LoaderHarness.Loader.Images.BzImage;

using LoaderHarness.Tests.Support;

namespace LoaderHarness.Tests.Loader.Images.BzImage;

/// <summary>
/// One way the kernel build compresses vmlinux.bin into a bzImage payload: the real Debian tool fed on stdin
/// (scripts/Makefile.lib, cmd_* macros), then kbuild's <c>size_append</c> trailer — the input length as a
/// 4-byte little-endian number — unless the format carries its own (gzip's ISIZE).
/// </summary>
public sealed record KbuildCompressor(string Name, PayloadCompression Kind, string Tool, string Arguments, string AptPackage, bool AppendsSize)
{
    /// <summary>Compresses <paramref name="input"/> as the kernel build does, size trailer included.</summary>
    public byte[] Compress(byte[] input)
    {
        Prerequisite.RequireTool(Tool, AptPackage);
        var start = new ProcessStartInfo(Tool, Arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Tool}");
        var errors = process.StandardError.ReadToEndAsync();
        var feed = Task.Run(() =>
        {
            process.StandardInput.BaseStream.Write(input);
            process.StandardInput.Close();
        });
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        feed.Wait();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Tool} {Arguments} exited with {process.ExitCode}: {errors.Result}");
        if (!AppendsSize)
            return output.ToArray();
        Span<byte> trailer = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, (uint)input.Length);
        output.Write(trailer);
        return output.ToArray();
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
