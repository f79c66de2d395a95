// qnn library: qnn_tokens
//
// The token input stage of a sequence model (docs/lstm-hardware.md "Token
// input stage"): s_axis carries one token per beat (TokBits bits,
// unsigned) and tlast on a sequence's last token. The stage is
// combinational on the stream: out_data_o is two lanes of TokBits bits for
// qnn_lstm's in_data_i, lane 0 the token and bit 0 of lane 1 last (the
// other bits 0), with in_valid_i passed on as out_valid_o and out_ready_i
// passed back as in_ready_o.
//
// A token >= Vocab is replaced by token 0 (its results are computed as for
// token 0: the hardware must not hang on a token the netlist refuses). On
// each handshake of such a token, when not in reset, err_q is set (sticky)
// and drops_q counts it, saturating at 2^DropBits - 1; both are cleared by
// the synchronous active-low reset only. err_o and drops_o are the
// registers (the top's frame_err and frame_drops).
module qnn_tokens #(
  parameter integer TokBits  = 8,
  parameter integer Vocab    = 2,
  parameter integer DropBits = 16
) (
  input  wire                 clk_i,
  input  wire                 rst_ni,
  input  wire                 in_valid_i,
  output wire                 in_ready_o,
  input  wire [TokBits-1:0]   in_data_i,
  input  wire                 in_last_i,
  output wire                 out_valid_o,
  input  wire                 out_ready_i,
  output wire [2*TokBits-1:0] out_data_o,
  output wire                 err_o,
  output wire [DropBits-1:0]  drops_o
);

  generate
    if (TokBits < 1 || TokBits > 30 || Vocab < 1 || Vocab > (1 << TokBits) || DropBits < 1) begin : gen_check_params
      qnn_param_error_tokens_params u_param_error ();
    end
  endgenerate

  // bad: the token is outside the vocabulary (never when Vocab = 2^TokBits).
  wire bad;
  generate
    if (Vocab < (1 << TokBits)) begin : gen_bad
      localparam [TokBits-1:0] VocabW = Vocab[TokBits-1:0];
      assign bad = (in_data_i >= VocabW);
    end else begin : gen_no_bad
      assign bad = 1'b0;
    end
  endgenerate

  localparam [TokBits-1:0] TokOne = 1;

  wire [TokBits-1:0] token = bad ? {TokBits{1'b0}} : in_data_i;
  wire [TokBits-1:0] last  = in_last_i ? TokOne : {TokBits{1'b0}};

  assign out_valid_o = in_valid_i;
  assign in_ready_o  = out_ready_i;
  assign out_data_o  = {last, token};

  localparam [DropBits-1:0] DropsMax = {DropBits{1'b1}};
  localparam [DropBits-1:0] DropsOne = 1;

  reg                err_q, err_d;
  reg [DropBits-1:0] drops_q, drops_d;

  always @(*) begin
    err_d   = err_q;
    drops_d = drops_q;
    if (in_valid_i && out_ready_i && bad) begin
      err_d = 1'b1;
      if (drops_q != DropsMax) begin
        drops_d = drops_q + DropsOne;
      end
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      err_q   <= 1'b0;
      drops_q <= {DropBits{1'b0}};
    end else begin
      err_q   <= err_d;
      drops_q <= drops_d;
    end
  end

  assign err_o   = err_q;
  assign drops_o = drops_q;

endmodule
