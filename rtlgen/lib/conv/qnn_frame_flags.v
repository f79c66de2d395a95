// qnn library: qnn_frame_flags
//
// The bad-flag queue of a conv-first network (docs/dataflow.md "Framing
// of conv-first networks"): one flag per frame in flight, pushed by the
// framer with the frame's last beat to the first stage (push_i, bad_i),
// popped by the output stage when the frame's result leaves its output
// register (pop_i); head_o is the oldest frame's flag (0 when empty).
// Depth (the plan's Input.FlagDepth) bounds the frames in flight, so the
// queue never overflows. flags_q[i] is the flag of the i-th oldest frame;
// entries at count_q and above are 0, so a good frame's push only counts.
module qnn_frame_flags #(
  parameter integer Depth = 1
) (
  input  wire clk_i,
  input  wire rst_ni,
  input  wire push_i,
  input  wire bad_i,
  input  wire pop_i,
  output wire head_o
);

  generate
    if (Depth < 1) begin : gen_check_depth
      qnn_param_error_frame_flags_depth_must_be_positive u_param_error ();
    end
  endgenerate

  localparam integer        CountWidth = $clog2(Depth + 1);
  localparam [CountWidth-1:0] CountOne = 1;

  reg  [Depth-1:0]      flags_q;
  wire [Depth-1:0]      flags_d;
  reg  [CountWidth-1:0] count_q, count_d;

  // The write index: the count after this cycle's pop.
  wire [CountWidth-1:0] wr_idx = pop_i ? count_q - CountOne : count_q;

  genvar i;
  generate
    for (i = 0; i < Depth; i = i + 1) begin : gen_flag
      localparam [CountWidth-1:0] Index = i;
      wire shifted;
      if (i == Depth - 1) begin : gen_top
        assign shifted = pop_i ? 1'b0 : flags_q[i];
      end else begin : gen_mid
        assign shifted = pop_i ? flags_q[i+1] : flags_q[i];
      end
      assign flags_d[i] = shifted || (push_i && bad_i && wr_idx == Index);
    end
  endgenerate

  always @(*) begin
    count_d = count_q;
    if (push_i && !pop_i) begin
      count_d = count_q + CountOne;
    end else if (pop_i && !push_i) begin
      count_d = count_q - CountOne;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      flags_q <= {Depth{1'b0}};
      count_q <= {CountWidth{1'b0}};
    end else begin
      flags_q <= flags_d;
      count_q <= count_d;
    end
  end

  assign head_o = flags_q[0];

endmodule
