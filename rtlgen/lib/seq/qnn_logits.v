// qnn library: qnn_logits
//
// The output stage of a sequence design that emits every logit
// (docs/lstm-hardware.md, hw.OutputStage.Stream): each input beat of Pe
// signed ScoreBits-bit scores (class beat*Pe + p in lane p) goes to the
// output register, lane p sign-extended to Sw bits at [p*Sw +: Sw], lanes
// of classes >= Classes set to 0, and out_last_o marks a token's last beat
// (beat Beats-1). Valid/ready as the argmax's: in_ready = !out_valid_q ||
// out_ready_i; data holds until the handshake.
module qnn_logits #(
  parameter integer Classes   = 2,
  parameter integer Pe        = 1,
  parameter integer Beats     = 2,
  parameter integer ScoreBits = 2,
  parameter integer Sw        = 16
) (
  input  wire                    clk_i,
  input  wire                    rst_ni,
  input  wire                    in_valid_i,
  output wire                    in_ready_o,
  input  wire [Pe*ScoreBits-1:0] in_data_i,
  output wire                    out_valid_o,
  input  wire                    out_ready_i,
  output wire [Pe*Sw-1:0]        out_data_o,
  output wire                    out_last_o
);

  localparam integer BeatWidth = (Beats > 1) ? $clog2(Beats) : 1;

  generate
    if (Classes < 1 || Pe < 1 || Beats < 1 || Pe * Beats < Classes || (Beats - 1) * Pe >= Classes) begin : gen_check_beats
      qnn_param_error_logits_beats_must_be_ceil_classes_over_pe u_param_error ();
    end
    if (ScoreBits < 1 || Sw < ScoreBits) begin : gen_check_sw
      qnn_param_error_logits_sw_below_score_bits u_param_error ();
    end
  endgenerate

  localparam integer         LastBeatIndex = Beats - 1;
  localparam [BeatWidth-1:0] LastBeat      = LastBeatIndex[BeatWidth-1:0];
  localparam [BeatWidth-1:0] BeatOne       = 1;
  // Lanes of the last beat that carry a class.
  localparam integer         LastLanes     = Classes - (Beats - 1) * Pe;

  reg                 out_valid_q, out_valid_d;
  reg                 out_last_q, out_last_d;
  reg [Pe*Sw-1:0]     out_data_q, out_data_d;
  reg [BeatWidth-1:0] beat_q, beat_d;

  wire in_ready = !out_valid_q || out_ready_i;
  wire in_hs    = in_valid_i && in_ready;
  wire at_last  = (beat_q == LastBeat);

  wire [Pe*Sw-1:0] lanes;
  genvar p;
  generate
    for (p = 0; p < Pe; p = p + 1) begin : gen_lane
      wire [ScoreBits-1:0] s = in_data_i[p*ScoreBits +: ScoreBits];
      if (p < LastLanes) begin : gen_always
        assign lanes[p*Sw +: Sw] = {{(Sw-ScoreBits){s[ScoreBits-1]}}, s};
      end else begin : gen_padded
        // Class beat*Pe + p exists in every beat but the last.
        assign lanes[p*Sw +: Sw] = at_last ? {Sw{1'b0}} : {{(Sw-ScoreBits){s[ScoreBits-1]}}, s};
      end
    end
  endgenerate

  always @(*) begin
    out_valid_d = out_valid_q;
    out_last_d  = out_last_q;
    out_data_d  = out_data_q;
    beat_d      = beat_q;
    if (in_hs) begin
      out_valid_d = 1'b1;
      out_last_d  = at_last;
      out_data_d  = lanes;
      beat_d      = at_last ? {BeatWidth{1'b0}} : beat_q + BeatOne;
    end else if (out_ready_i) begin
      out_valid_d = 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      out_valid_q <= 1'b0;
      beat_q      <= {BeatWidth{1'b0}};
    end else begin
      out_valid_q <= out_valid_d;
      beat_q      <= beat_d;
    end
  end

  // Data registers (not reset).
  always @(posedge clk_i) begin
    out_data_q <= out_data_d;
    out_last_q <= out_last_d;
  end

  assign in_ready_o  = in_ready;
  assign out_valid_o = out_valid_q;
  assign out_data_o  = out_data_q;
  assign out_last_o  = out_last_q;

endmodule
