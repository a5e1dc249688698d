using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The ACPI structures one VMM writes for one guest: the RSDP and every table it leads to, each at the address the
/// VMM gives it, Written into guest memory with the vCPU setup.
/// </summary>
public sealed record AcpiTables
{
    /// <summary>Which VMM and version wrote these, and from which source files.</summary>
    public required string Source { get; init; }

    /// <summary>The RSDP first, then the tables in the order the VMM writes them.</summary>
    public required IReadOnlyList<AcpiTable> Tables { get; init; }

    /// <summary>Where the RSDP is.</summary>
    public ulong RsdpAddress => Rsdp.Address;

    /// <summary>The RSDP.</summary>
    public AcpiTable Rsdp => Tables.First(t => t.IsRsdp);

    /// <summary>The table with <paramref name="signature"/>, or null.</summary>
    public AcpiTable? Find(string signature) => Tables.FirstOrDefault(t => t.Signature == signature);

    /// <summary>Whether <paramref name="memory"/> holds this RSDP at its address (the tables were written there).</summary>
    public bool IsWrittenIn(GuestMemory memory) =>
        memory.IsRam(RsdpAddress, (ulong)Rsdp.Length) && memory.ReadBytes(RsdpAddress, Rsdp.Length).AsSpan().SequenceEqual(Rsdp.Bytes);

    /// <summary>Writes every structure into <paramref name="memory"/>.</summary>
    public void WriteTo(GuestMemory memory)
    {
        foreach (var table in Tables)
            memory.Write(table.Address, table.Bytes);
    }
}
