// Reference model of qnn_threshold for its formal-equivalence test
// (threshold_formal_test.go): the contract of docs/dataflow.md written
// directly, one signed comparison per threshold in the flag's direction and
// the number of hits. Not part of the library.
module qnn_threshold_ref #(
  parameter integer AccWidth  = 2,
  parameter integer AccSigned = 1,
  parameter integer NumThr    = 1,
  parameter integer ThrWidth  = 2,
  parameter integer OutBits   = 1
) (
  input  wire [AccWidth-1:0]      acc_i,
  input  wire [NumThr*ThrWidth:0] thr_i,
  output reg  [OutBits-1:0]       level_o
);
  localparam integer W = ((ThrWidth > AccWidth) ? ThrWidth : AccWidth) + 2;

  reg signed [W-1:0] a, t;
  integer j;
  always @(*) begin
    a = (AccSigned != 0) ? $signed(acc_i) : $signed({1'b0, acc_i});
    level_o = {OutBits{1'b0}};
    for (j = 0; j < NumThr; j = j + 1) begin
      t = $signed(thr_i[j*ThrWidth +: ThrWidth]);
      if (thr_i[NumThr*ThrWidth] ? (a <= t) : (a >= t)) begin
        level_o = level_o + 1'b1;
      end
    end
  end
endmodule
