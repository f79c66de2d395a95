// latch_top: an incomplete assignment in a combinational block infers a
// latch; synth must refuse it.
module latch_top (
  input  wire       en_i,
  input  wire [1:0] d_i,
  output reg  [1:0] q_o
);

  always @(*) begin
    if (en_i) begin
      q_o = d_i;
    end
  end

endmodule
