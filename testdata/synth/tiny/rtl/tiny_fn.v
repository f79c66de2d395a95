// tiny_fn: the parity of 6 inputs (one LUT6).
module tiny_fn (
  input  wire [5:0] x_i,
  output wire       par_o
);

  assign par_o = ^x_i;

endmodule
