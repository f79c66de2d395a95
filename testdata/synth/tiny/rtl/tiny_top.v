// tiny_top: a hand-countable design for the synth package's tests
// (synth/synth_test.go). Counted by hand for Yosys synth_xilinx (xc7):
//
//   tiny_top: a 4-bit shift register shift_q (shift_i enters at bit 0,
//             loads when en_i)                     4 FF (FDRE, en_i on CE)
//   tiny_fn:  parity of 6 inputs                   1 LUT6
//   tiny_rom: 16 x 4 ROM, combinational read       4 LUT4 (one per data
//             bit; each bit of mem/tiny_rom.hex is a function of all four
//             address bits)
//   total: 5 LUTs (1 LUT6 + 4 LUT4), 4 FF, no carry, MUXF or RAM.
//
// Logic depth: 1 LUT level (shift_q -> ROM LUT4 -> rom_o; vote_i -> LUT6
// -> par_o). The ROM is read from mem/tiny_rom.hex with a path relative to
// the design directory, as generated qnn designs do.
module tiny_top (
  input  wire       clk_i,
  input  wire       en_i,
  input  wire [5:0] vote_i,
  input  wire       shift_i,
  output wire       par_o,
  output wire [3:0] rom_o,
  output wire [3:0] shift_o
);

  reg  [3:0] shift_q;
  wire [3:0] shift_d;

  assign shift_d = {shift_q[2:0], shift_i};

  always @(posedge clk_i) begin
    if (en_i) begin
      shift_q <= shift_d;
    end
  end

  tiny_fn u_fn (
    .x_i   (vote_i),
    .par_o (par_o)
  );

  tiny_rom u_rom (
    .addr_i (shift_q),
    .data_o (rom_o)
  );

  assign shift_o = shift_q;

endmodule
