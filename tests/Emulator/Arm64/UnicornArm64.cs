namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// uc_arm64_reg numbers the arm64 differential tests use with <see cref="Support.Unicorn.Arm64"/>, from
/// unicorn/arm64.h of Unicorn 2.0.1 (Debian bookworm's libunicorn-dev): X29 = 1, X30 = 2, NZCV = 3, SP = 4,
/// X0 = 199 ... X28 = 227, PC = 260.
/// </summary>
internal static class UnicornArm64
{
    public const int Nzcv = 3;
    public const int Sp = 4;

    /// <summary>uc_arm64_reg of X<paramref name="n"/> (0–30).</summary>
    public static int X(int n) => n switch
    {
        29 => 1,
        30 => 2,
        _ => 199 + n,
    };
}
