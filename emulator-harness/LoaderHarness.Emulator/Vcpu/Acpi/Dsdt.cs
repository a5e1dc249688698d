namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>The Differentiated System Description Table (ACPI 6.5 §5.2.11.1, Table 5.22): the header, then an AML definition block.</summary>
public static class Dsdt
{
    /// <summary>The DSDT's bytes: <paramref name="header"/> (signature "DSDT") followed by <paramref name="definitionBlock"/>, checksummed.</summary>
    public static byte[] Build(SdtHeader header, ReadOnlySpan<byte> definitionBlock)
    {
        var table = header.NewTable(SdtHeader.Size + definitionBlock.Length);
        definitionBlock.CopyTo(table.AsSpan(SdtHeader.Size));
        return SdtHeader.Seal(table);
    }
}
