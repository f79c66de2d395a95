// tiny_rom: 16 x 4 ROM with combinational read, initialised from
// mem/tiny_rom.hex (relative to the design directory). Each data bit is a
// function of the 4 address bits: one LUT4 per bit.
module tiny_rom (
  input  wire [3:0] addr_i,
  output wire [3:0] data_o
);

  reg [3:0] mem [0:15];

  initial begin
    $readmemh("mem/tiny_rom.hex", mem);
  end

  assign data_o = mem[addr_i];

endmodule
