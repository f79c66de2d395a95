// qnn library: qnn_fifo
//
// First-word-fall-through stream FIFO (docs/conv-hardware.md "qnn_fifo as
// built"): Depth words of Width bits in LUT RAM (asynchronous read) and a
// registered output, so it holds Depth + 1 beats. The output register
// loads whenever it is empty or handing over: the memory's oldest word, or
// with the memory empty the input beat of the same cycle (a beat into an
// empty FIFO is valid the next cycle). in_ready_o = count_q != Depth
// (registers only).
module qnn_fifo #(
  parameter integer Depth = 1,
  parameter integer Width = 1
) (
  input  wire             clk_i,
  input  wire             rst_ni,
  input  wire             in_valid_i,
  output wire             in_ready_o,
  input  wire [Width-1:0] in_data_i,
  output wire             out_valid_o,
  input  wire             out_ready_i,
  output wire [Width-1:0] out_data_o
);

  generate
    if (Depth < 1 || Width < 1) begin : gen_check_shape
      qnn_param_error_fifo_depth_and_width_must_be_positive u_param_error ();
    end
  endgenerate

  localparam integer PtrWidth = (Depth > 1) ? $clog2(Depth) : 1;
  localparam integer CntWidth = $clog2(Depth + 1);
  localparam integer PtrLastInt = Depth - 1;
  localparam integer DepthInt   = Depth;
  localparam [PtrWidth-1:0] PtrLast = PtrLastInt[PtrWidth-1:0];
  localparam [CntWidth-1:0] Full    = DepthInt[CntWidth-1:0];

  reg [PtrWidth-1:0] wptr_q, wptr_d, rptr_q, rptr_d;
  reg [CntWidth-1:0] count_q, count_d;
  reg                out_valid_q, out_valid_d;
  // Data (not reset).
  reg [Width-1:0]    out_data_q, out_data_d;
  reg [Width-1:0]    mem [0:Depth-1];

  wire in_ready = (count_q != Full);
  wire in_hs    = in_valid_i && in_ready;
  wire load     = !out_valid_q || out_ready_i;
  wire empty    = (count_q == {CntWidth{1'b0}});
  wire pop      = load && !empty;
  wire bypass   = load && empty && in_hs;
  wire push     = in_hs && !bypass;
  wire [Width-1:0] head = mem[rptr_q];  // asynchronous read (LUT RAM)

  always @(*) begin
    wptr_d      = wptr_q;
    rptr_d      = rptr_q;
    count_d     = count_q;
    out_valid_d = out_valid_q;
    out_data_d  = out_data_q;
    if (load) begin
      out_valid_d = pop || bypass;
      if (pop) out_data_d = head;
      else if (bypass) out_data_d = in_data_i;
    end
    if (pop) begin
      rptr_d = (rptr_q == PtrLast) ? {PtrWidth{1'b0}} : rptr_q + {{(PtrWidth-1){1'b0}}, 1'b1};
    end
    if (push) begin
      wptr_d = (wptr_q == PtrLast) ? {PtrWidth{1'b0}} : wptr_q + {{(PtrWidth-1){1'b0}}, 1'b1};
    end
    if (push && !pop) count_d = count_q + {{(CntWidth-1){1'b0}}, 1'b1};
    if (pop && !push) count_d = count_q - {{(CntWidth-1){1'b0}}, 1'b1};
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wptr_q      <= {PtrWidth{1'b0}};
      rptr_q      <= {PtrWidth{1'b0}};
      count_q     <= {CntWidth{1'b0}};
      out_valid_q <= 1'b0;
    end else begin
      wptr_q      <= wptr_d;
      rptr_q      <= rptr_d;
      count_q     <= count_d;
      out_valid_q <= out_valid_d;
    end
  end

  always @(posedge clk_i) begin
    out_data_q <= out_data_d;
    if (push) begin
      mem[wptr_q] <= in_data_i;
    end
  end

  assign in_ready_o  = in_ready;
  assign out_valid_o = out_valid_q;
  assign out_data_o  = out_data_q;

endmodule
