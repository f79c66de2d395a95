// qnn library: qnn_score
//
// Score-mode output of one accumulator (docs/dataflow.md "Scores"):
// score_o = ScoreMul * acc + add_i as a signed ScoreBits-bit value. The
// accumulator is unsigned (AccSigned = 0, xnor popcount) or two's
// complement. Exact whenever the score fits in ScoreBits. Combinational.
module qnn_score #(
  parameter integer AccWidth  = 2,
  parameter integer AccSigned = 1,
  parameter integer ScoreMul  = 1,
  parameter integer ScoreBits = 2
) (
  input  wire [AccWidth-1:0]  acc_i,
  input  wire [ScoreBits-1:0] add_i,
  output wire [ScoreBits-1:0] score_o
);

  generate
    if (ScoreMul != 1 && ScoreMul != 2) begin : gen_check_mul
      qnn_param_error_score_mul_must_be_1_or_2 u_param_error ();
    end
    if (AccWidth < 1 || ScoreBits < 2) begin : gen_check_widths
      qnn_param_error_score_widths_too_small u_param_error ();
    end
  endgenerate

  // Work width: the accumulator (extended by its sign, or by 0 when
  // unsigned) and the addend both fit.
  localparam integer WorkWidth = (ScoreBits > AccWidth + 2) ? ScoreBits : AccWidth + 2;

  wire                 acc_top = (AccSigned != 0) ? acc_i[AccWidth-1] : 1'b0;
  wire [WorkWidth-1:0] acc     = {{(WorkWidth-AccWidth){acc_top}}, acc_i};
  wire [WorkWidth-1:0] add     = {{(WorkWidth-ScoreBits){add_i[ScoreBits-1]}}, add_i};
  wire [WorkWidth-1:0] scaled  = (ScoreMul == 2) ? acc + acc : acc;
  wire [WorkWidth-1:0] score   = scaled + add;

  assign score_o = score[ScoreBits-1:0];

  generate
    if (WorkWidth > ScoreBits) begin : gen_unused
      // Bits above ScoreBits: the score is exact modulo 2^ScoreBits and
      // fits, so they only repeat its sign.
      wire unused_score_top = ^score[WorkWidth-1:ScoreBits];
    end
  endgenerate

endmodule
