using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// A Generic Address Structure (ACPI 6.5 §5.2.3.2, Table 5.1): 12 bytes naming a register by address space,
/// width, offset, access size and address. The FADT's reset, PM and sleep registers are GASes.
/// </summary>
/// <param name="AddressSpaceId"><c>Address Space ID</c> at 0 (0 system memory, 1 system I/O).</param>
/// <param name="RegisterBitWidth"><c>Register Bit Width</c> at 1.</param>
/// <param name="RegisterBitOffset"><c>Register Bit Offset</c> at 2.</param>
/// <param name="AccessSize"><c>Access Size</c> at 3.</param>
/// <param name="Address"><c>Address</c> at 4.</param>
public readonly record struct GenericAddress(byte AddressSpaceId, byte RegisterBitWidth, byte RegisterBitOffset, byte AccessSize, ulong Address)
{
    /// <summary>Size of the structure (ACPI 6.5 Table 5.1).</summary>
    public const int Size = 12;

    /// <summary>The all-zero GAS: "not supported" for the FADT's optional registers.</summary>
    public static GenericAddress None => default;

    /// <summary>Writes the structure at the start of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        destination[0] = AddressSpaceId;
        destination[1] = RegisterBitWidth;
        destination[2] = RegisterBitOffset;
        destination[3] = AccessSize;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[4..], Address);
    }
}
